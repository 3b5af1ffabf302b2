//! What each input file must hold: its columns, what each column holds, and the headers
//! office exports use for it (花名册, 发放清册, 代发记录 come with Chinese headers).

/// What a column must hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// Non-empty and unique within the file (a primary key).
    Key,
    /// Non-empty text.
    Text,
    /// Text that may be blank.
    OptText,
    /// An 18-character ID number: cleaned (spaces, apostrophe, lower-case x), never
    /// accepted in scientific notation; may be blank (an invalid number is a finding).
    IdNumber,
    /// A bank account or card number: cleaned like an ID number; may be blank.
    Account,
    /// A date that must be present.
    Date,
    /// A date that may be blank.
    OptDate,
    /// Yuan with at most two decimals; becomes `<name>_fen` (Int64, exact).
    Amount,
    /// As [`Field::Amount`], negative allowed: a bank's reversal (冲正) row.
    SignedAmount,
    /// As [`Field::Amount`], blank allowed (a posted list gives an amount, or an area and
    /// a rate); also a quantity with two decimals (an area in mu, held in hundredths).
    OptAmount,
}

/// A column the loader knows: its field name, what it must hold, and header aliases.
#[derive(Debug, Clone, Copy)]
pub struct ColumnSpec {
    pub name: &'static str,
    pub field: Field,
    /// Whether a file without this column is unusable.
    pub required: bool,
    /// Headers that mean this column, besides its own name (compared after removing
    /// spaces and folding full-width forms and case).
    pub aliases: &'static [&'static str],
    /// Whether the column holds a few values over and over (township, program, period,
    /// a bank's status): kept as a Polars categorical, a 4-byte code per row and each
    /// text once, instead of a 16-byte string view per row. At a province's 50 million
    /// payments that is the difference the per-row cost is made of.
    pub repeats: bool,
}

const fn req(name: &'static str, field: Field, aliases: &'static [&'static str]) -> ColumnSpec {
    ColumnSpec {
        name,
        field,
        required: true,
        aliases,
        repeats: false,
    }
}

const fn opt(name: &'static str, field: Field, aliases: &'static [&'static str]) -> ColumnSpec {
    ColumnSpec {
        name,
        field,
        required: false,
        aliases,
        repeats: false,
    }
}

impl ColumnSpec {
    /// The column as one of few values (see [`ColumnSpec::repeats`]).
    const fn repeats(self) -> Self {
        ColumnSpec {
            repeats: true,
            ..self
        }
    }
}

/// One input file of the audit.
#[derive(Debug, Clone, Copy)]
pub struct FileSpec {
    /// The file's name without extension, and the key of its `[columns]` and `[sheets]`
    /// entries in the config.
    pub stem: &'static str,
    /// The name used when the file is CSV, as in messages and rejects.
    pub file: &'static str,
    pub columns: &'static [ColumnSpec],
    /// Optional reference lists are used when present.
    pub optional: bool,
    /// Whether the ledger's files may each carry their own optional columns. Posted lists
    /// are each village's own paper (one posts 金额, another 面积 and 标准; one a
    /// 公示起止日期 cell, another two dates): every row is read for what it carries. The
    /// ledgers of money may not: a payments file with a status column beside one without
    /// would mean different things for the same money.
    pub fields_vary: bool,
}

const ID_NUMBER: &[&str] = &[
    "身份证号",
    "身份证号码",
    "公民身份号码",
    "证件号码",
    "身份证",
];
const TOWNSHIP: &[&str] = &["乡镇", "乡镇(街道)", "乡镇街道", "所属乡镇", "乡(镇)"];
const VILLAGE: &[&str] = &["村", "村(社区)", "村社区", "所属村", "村组"];
const PROGRAM: &[&str] = &["补贴项目", "项目名称", "补贴类型", "资金项目"];
const BENEFICIARY_ID: &[&str] = &["人员编号", "享受人员编号", "对象编号"];
const AREA: &[&str] = &[
    "确权面积",
    "补贴面积",
    "面积",
    "面积(亩)",
    "面积（亩）",
    "承包面积",
];
const RATE: &[&str] = &["补贴标准", "每亩标准", "亩均标准", "标准", "标准(元/亩)"];
const GRADE: &[&str] = &["残疾等级", "等级", "护理等级"];
const ALLOCATION_ID: &[&str] = &["清册编号", "发放清册编号", "清册号"];

pub const BENEFICIARIES: FileSpec = FileSpec {
    stem: "beneficiaries",
    file: "beneficiaries.csv",
    optional: false,
    fields_vary: false,
    columns: &[
        req("beneficiary_id", Field::Key, BENEFICIARY_ID),
        req("name", Field::Text, &["姓名", "享受人员姓名", "户主姓名"]),
        req("id_number", Field::IdNumber, ID_NUMBER),
        req("township", Field::OptText, TOWNSHIP).repeats(),
        req("village", Field::OptText, VILLAGE).repeats(),
        req(
            "bank_account",
            Field::Account,
            &[
                "银行账号",
                "卡号",
                "一卡通账号",
                "收款账号",
                "银行卡号",
                "社保卡号",
                "账号",
                "银行帐号",
                "帐号",
            ],
        ),
        opt("death_date", Field::OptDate, &["死亡日期"]),
        opt(
            "household_id",
            Field::OptText,
            &["户编号", "户号", "家庭编号", "户主编号"],
        ),
    ],
};

pub const ALLOCATIONS: FileSpec = FileSpec {
    stem: "allocations",
    file: "allocations.csv",
    optional: false,
    fields_vary: false,
    columns: &[
        req("allocation_id", Field::Key, ALLOCATION_ID),
        req("program", Field::Text, PROGRAM).repeats(),
        req(
            "period",
            Field::Text,
            &["所属期", "发放期", "期间", "所属期间"],
        )
        .repeats(),
        req("beneficiary_id", Field::Text, BENEFICIARY_ID),
        req("township", Field::OptText, TOWNSHIP).repeats(),
        req(
            "amount",
            Field::Amount,
            &["应发金额", "金额", "发放金额", "补贴金额", "核定金额"],
        ),
        req(
            "funds_received_date",
            Field::Date,
            &["资金到位日期", "到位日期", "资金到账日期"],
        ),
        opt(
            "due_date",
            Field::OptDate,
            &["发放截止日期", "截止日期", "应发日期"],
        ),
        // The basis of the amount, where the program is quantity × rate (耕地地力保护补贴:
        // 确权面积 × 每亩标准) or by grade (残疾人两项补贴): see `rules::basis`.
        opt("area_mu", Field::OptAmount, AREA),
        opt("rate", Field::OptAmount, RATE),
        opt("grade", Field::OptText, GRADE).repeats(),
    ],
};

pub const PAYMENTS: FileSpec = FileSpec {
    stem: "payments",
    file: "payments.csv",
    optional: false,
    fields_vary: false,
    columns: &[
        req(
            "payment_id",
            Field::Key,
            &["流水号", "交易流水号", "支付流水号", "代发流水号"],
        ),
        req("allocation_id", Field::OptText, ALLOCATION_ID),
        req("beneficiary_id", Field::OptText, BENEFICIARY_ID),
        req(
            "payee_name",
            Field::OptText,
            &["收款人姓名", "户名", "收款人", "账户名称", "姓名"],
        ),
        req(
            "payee_account",
            Field::Account,
            &[
                "收款账号",
                "银行账号",
                "卡号",
                "一卡通账号",
                "银行卡号",
                "账号",
                "收款帐号",
                "银行帐号",
                "帐号",
            ],
        ),
        req(
            "amount",
            Field::SignedAmount,
            &["实发金额", "金额", "发放金额", "支付金额", "交易金额"],
        ),
        req(
            "paid_date",
            Field::Date,
            &["发放日期", "支付日期", "到账日期", "交易日期"],
        ),
        req("program", Field::OptText, PROGRAM).repeats(),
        // A bank's outcome of the transfer (成功/失败/退票/冲正 …): see `input::bank`.
        opt(
            "status",
            Field::OptText,
            &[
                "交易状态",
                "处理状态",
                "状态",
                "处理结果",
                "支付状态",
                "代发结果",
                "交易结果",
                "到账状态",
                "代发状态",
            ],
        )
        .repeats(),
    ],
};

pub const DEATHS: FileSpec = FileSpec {
    stem: "deaths",
    file: "deaths.csv",
    optional: true,
    fields_vary: false,
    columns: &[
        req("name", Field::Text, &["姓名", "死者姓名"]),
        opt("id_number", Field::IdNumber, ID_NUMBER),
        req("death_date", Field::Date, &["死亡日期", "死亡时间"]),
        opt("birth_date", Field::OptDate, &["出生日期"]),
        opt("township", Field::OptText, TOWNSHIP).repeats(),
        opt("village", Field::OptText, VILLAGE).repeats(),
    ],
};

pub const OFFICIALS: FileSpec = FileSpec {
    stem: "officials",
    file: "officials.csv",
    optional: true,
    fields_vary: false,
    columns: &[
        req("name", Field::Text, &["姓名"]),
        opt("id_number", Field::IdNumber, ID_NUMBER),
        opt("unit", Field::OptText, &["单位", "工作单位", "所在单位"]).repeats(),
        opt("role", Field::OptText, &["职务", "岗位"]).repeats(),
    ],
};

/// 公示名单: the list a village posted before paying (one file per village, program and
/// period is usual). ID numbers are read as posted, masked (`4116**********123X`), hence
/// text: `fundaudit_identity::masked` matches them by their visible digits and the name.
pub const NOTICES: FileSpec = FileSpec {
    stem: "notices",
    file: "notices.csv",
    optional: true,
    fields_vary: true,
    columns: &[
        req(
            "name",
            Field::Text,
            &[
                "姓名",
                "享受人员姓名",
                "户主姓名",
                "申请人",
                "申请人姓名",
                "补贴对象",
            ],
        ),
        opt("id_number", Field::OptText, ID_NUMBER),
        opt("township", Field::OptText, TOWNSHIP).repeats(),
        req(
            "village",
            Field::OptText,
            &[
                "村",
                "村(社区)",
                "村社区",
                "所属村",
                "村组",
                "村/组",
                "村(组)",
                "村民小组",
            ],
        )
        .repeats(),
        req(
            "program",
            Field::Text,
            &["补贴项目", "项目名称", "补贴类型", "资金项目", "项目"],
        )
        .repeats(),
        req(
            "period",
            Field::Text,
            &["所属期", "发放期", "期间", "所属期间", "年度"],
        )
        .repeats(),
        opt(
            "amount",
            Field::OptAmount,
            &[
                "金额",
                "补贴金额",
                "发放金额",
                "应发金额",
                "公示金额",
                "拟发金额",
            ],
        ),
        opt("area_mu", Field::OptAmount, AREA),
        opt("rate", Field::OptAmount, RATE),
        opt(
            "posted_from",
            Field::OptDate,
            &[
                "公示开始日期",
                "公示开始",
                "公示起始日期",
                "公示日期",
                "张贴日期",
            ],
        ),
        opt(
            "posted_to",
            Field::OptDate,
            &["公示结束日期", "公示结束", "公示截止日期", "公示截止"],
        ),
        // `2025-03-01至2025-03-08` in one cell, as many lists print it.
        opt(
            "posted_span",
            Field::OptText,
            &["公示起止日期", "公示期", "公示时间", "公示起止时间"],
        ),
    ],
};

/// 承包地确权面积 by person, for a land-based subsidy whose allocations carry no area.
pub const LAND: FileSpec = FileSpec {
    stem: "land",
    file: "land.csv",
    optional: true,
    fields_vary: false,
    columns: &[
        req(
            "name",
            Field::Text,
            &["姓名", "承包方代表", "承包方", "户主姓名"],
        ),
        req("id_number", Field::IdNumber, ID_NUMBER),
        req("area_mu", Field::Amount, AREA),
    ],
};

const PROJECT_ID: &[&str] = &["项目编号", "项目代码", "项目ID", "项目id", "项目库编号"];
const CONTRACTOR: &[&str] = &[
    "中标单位",
    "承包单位",
    "施工单位",
    "乙方",
    "承建单位",
    "成交供应商",
    "企业名称",
    "单位名称",
];
const CONTENT: &[&str] = &[
    "建设内容",
    "主要建设内容",
    "工程内容",
    "合同内容",
    "实施内容",
];
const SCALE: &[&str] = &["建设规模", "规模", "工程量", "建设规模(数量)"];
const SITE: &[&str] = &[
    "村",
    "村(社区)",
    "所属村",
    "建设地点",
    "实施地点",
    "项目地点",
    "施工地点",
];

/// 项目批复/计划: the projects of 涉农项目资金 as approved (`fundaudit_rules::project`).
/// A change approval (变更批复) on file makes a contract's other site or content approved.
pub const PROJECTS: FileSpec = FileSpec {
    stem: "projects",
    file: "projects.csv",
    optional: true,
    fields_vary: false,
    columns: &[
        req("project_id", Field::Key, PROJECT_ID),
        req("project_name", Field::Text, &["项目名称", "名称"]),
        opt("township", Field::OptText, TOWNSHIP).repeats(),
        opt("village", Field::OptText, SITE).repeats(),
        opt("content", Field::OptText, CONTENT),
        opt("scale", Field::OptAmount, SCALE),
        req(
            "approved_amount",
            Field::Amount,
            &[
                "批复金额",
                "批复资金",
                "计划投资",
                "批复投资",
                "下达资金",
                "项目资金",
            ],
        ),
        req(
            "approved_date",
            Field::Date,
            &["批复日期", "批复时间", "下达日期", "立项日期"],
        ),
        opt(
            "funds_received_date",
            Field::OptDate,
            &["资金到位日期", "到位日期", "资金到账日期"],
        ),
        opt(
            "planned_start",
            Field::OptDate,
            &["计划开工日期", "开工日期", "计划开工时间"],
        ),
        opt(
            "planned_finish",
            Field::OptDate,
            &["计划完工日期", "完工日期", "计划完工时间"],
        ),
        opt(
            "change_approval",
            Field::OptText,
            &["变更批复", "变更批复文号", "变更文号", "调整批复"],
        ),
        opt(
            "fund",
            Field::OptText,
            &["资金类别", "资金来源", "资金性质", "资金项目"],
        )
        .repeats(),
    ],
};

/// 合同/招标: who builds each project, for how much, tendered how.
pub const CONTRACTS: FileSpec = FileSpec {
    stem: "contracts",
    file: "contracts.csv",
    optional: true,
    fields_vary: false,
    columns: &[
        req("contract_id", Field::Key, &["合同编号", "合同号", "合同ID"]),
        req("project_id", Field::Text, PROJECT_ID),
        req("contractor", Field::Text, CONTRACTOR),
        opt(
            "contractor_account",
            Field::Account,
            &["乙方账号", "收款账号", "开户账号", "银行账号", "账号"],
        ),
        req(
            "contract_amount",
            Field::Amount,
            &["合同金额", "中标金额", "成交金额", "合同价"],
        ),
        opt(
            "tender_method",
            Field::OptText,
            &["招标方式", "采购方式", "发包方式", "招标形式"],
        )
        .repeats(),
        opt(
            "tender_date",
            Field::OptDate,
            &["招标日期", "开标日期", "招标时间", "开标时间"],
        ),
        req(
            "signed_date",
            Field::Date,
            &["签订日期", "合同签订日期", "签订时间", "签约日期"],
        ),
        opt(
            "bid_count",
            Field::OptText,
            &["投标单位数", "投标人数", "投标家数"],
        ),
        opt("village", Field::OptText, SITE).repeats(),
        opt("content", Field::OptText, CONTENT),
        opt("scale", Field::OptAmount, SCALE),
    ],
};

/// 项目资金拨付记录: money paid out for a project.
pub const PROJECT_PAYMENTS: FileSpec = FileSpec {
    stem: "project_payments",
    file: "project_payments.csv",
    optional: true,
    fields_vary: false,
    columns: &[
        req(
            "payment_id",
            Field::Key,
            &["拨付编号", "凭证号", "支付流水号", "流水号", "拨付单号"],
        ),
        req("project_id", Field::Text, PROJECT_ID),
        opt(
            "payee_name",
            Field::OptText,
            &["收款单位", "收款人", "收款人姓名", "户名", "账户名称"],
        ),
        req(
            "payee_account",
            Field::Account,
            &["收款账号", "收款帐号", "银行账号", "卡号", "账号"],
        ),
        req("amount", Field::Amount, &["拨付金额", "支付金额", "金额"]),
        req(
            "paid_date",
            Field::Date,
            &["拨付日期", "支付日期", "付款日期", "日期"],
        ),
        opt(
            "purpose",
            Field::OptText,
            &["用途", "款项用途", "摘要", "支付用途"],
        ),
    ],
};

/// 验收: when a project was accepted, and whether it passed.
pub const ACCEPTANCES: FileSpec = FileSpec {
    stem: "acceptances",
    file: "acceptances.csv",
    optional: true,
    fields_vary: false,
    columns: &[
        req("project_id", Field::Text, PROJECT_ID),
        req(
            "accepted_date",
            Field::Date,
            &["验收日期", "验收时间", "竣工验收日期"],
        ),
        opt(
            "result",
            Field::OptText,
            &["验收结果", "验收结论", "验收意见"],
        )
        .repeats(),
    ],
};

/// 企业登记信息: the people behind each contractor (法定代表人, 股东), a row each.
pub const CONTRACTORS: FileSpec = FileSpec {
    stem: "contractors",
    file: "contractors.csv",
    optional: true,
    fields_vary: false,
    columns: &[
        req("contractor", Field::Text, CONTRACTOR),
        req(
            "name",
            Field::Text,
            &["姓名", "人员姓名", "法定代表人", "股东姓名", "股东"],
        ),
        opt("id_number", Field::IdNumber, ID_NUMBER),
        opt(
            "role",
            Field::OptText,
            &["职务", "身份", "人员类型", "角色"],
        )
        .repeats(),
        opt(
            "account",
            Field::Account,
            &["基本账户", "企业账号", "开户账号", "账号"],
        ),
    ],
};

/// The ledgers of 涉农项目资金, all optional: a county without them runs as before.
pub const PROJECT_LEDGERS: [&FileSpec; 5] = [
    &PROJECTS,
    &CONTRACTS,
    &PROJECT_PAYMENTS,
    &ACCEPTANCES,
    &CONTRACTORS,
];

/// A reference list (vehicles, businesses, property, pensions …): who is on it.
pub const LIST: FileSpec = FileSpec {
    stem: "lists",
    file: "list.csv",
    optional: true,
    fields_vary: false,
    columns: &[
        req(
            "name",
            Field::Text,
            &["姓名", "所有人", "车主", "法定代表人", "权利人", "名称"],
        ),
        opt("id_number", Field::IdNumber, ID_NUMBER),
        opt("birth_date", Field::OptDate, &["出生日期"]),
    ],
};

/// Every input file, in load order.
pub const ALL: [&FileSpec; 12] = [
    &BENEFICIARIES,
    &ALLOCATIONS,
    &PAYMENTS,
    &DEATHS,
    &OFFICIALS,
    &NOTICES,
    &LAND,
    &PROJECTS,
    &CONTRACTS,
    &PROJECT_PAYMENTS,
    &ACCEPTANCES,
    &CONTRACTORS,
];

impl FileSpec {
    pub fn column(&self, name: &str) -> Option<&ColumnSpec> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// What a transfer row says happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Paid,
    Failed,
    Returned,
    Reversed,
}

impl Outcome {
    /// A config value: paid, failed, returned or reversed.
    pub fn parse_code(code: &str) -> Option<Outcome> {
        match code.trim() {
            "paid" => Some(Outcome::Paid),
            "failed" => Some(Outcome::Failed),
            "returned" => Some(Outcome::Returned),
            "reversed" => Some(Outcome::Reversed),
            _ => None,
        }
    }
}
