//! The page's words in Chinese and English: its labels, the findings table's headers,
//! and which language a report is written in.

use fundaudit_core::findings::Category;
use fundaudit_core::policy::Policy;
use serde_json::Value;

/// Report language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl std::str::FromStr for Lang {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Lang, String> {
        match s {
            "zh" | "zh-CN" | "cn" => Ok(Lang::Zh),
            "en" => Ok(Lang::En),
            other => Err(format!("unknown language `{other}`: use zh or en")),
        }
    }
}

/// (key, Chinese, English) for the page's words.
const WORDS: &[(&str, &str, &str)] = &[
    (
        "title",
        "民生资金拨付审计线索",
        "Livelihood-fund disbursement audit",
    ),
    ("tabOverview", "总览", "Overview"),
    ("tabFindings", "线索列表", "Findings"),
    ("tabTownship", "乡镇", "Townships"),
    ("tabCases", "案件", "Cases"),
    ("tabChanges", "本期变化", "Since last night"),
    ("tabProjects", "项目资金", "Project funds"),
    ("projectsNote", "各项目从批复、合同、拨付到验收的全过程：有问题线索的项目排在前面，以红色标出。", "Each project from approval through contracts and payments to acceptance: projects with findings first, in red."),
    ("pId", "项目编号", "Project"),
    ("pName", "项目名称", "Name"),
    ("pApproved", "批复金额", "Approved"),
    ("pApprovedOn", "批复日期", "Approved on"),
    ("pContracted", "合同金额", "Contracted"),
    ("pContractors", "承包单位（发包方式）", "Contractors (how let)"),
    ("pPaid", "已拨付", "Paid"),
    ("pPayments", "拨付笔数", "Payments"),
    ("pAccepted", "验收日期", "Accepted"),
    ("pNotAccepted", "未验收", "not accepted"),
    ("pGaps", "差异", "Gaps"),
    ("pRules", "问题", "Findings"),
    ("statusLabel", "处置", "Decision"),
    ("changeLabel", "变化", "Change"),
    ("undecided", "未处置", "undecided"),
    ("noLedger", "本次运行未使用案件台账（--no-ledger），无法与上期比较。", "This run kept no case ledger (--no-ledger): nothing to compare with."),
    ("firstNight", "首次运行：无上期可比，以下线索均为新增。", "First night: nothing to compare with; every finding is new."),
    ("since", "与上期（截止{d}）相比", "Since the last night (as of {d})"),
    ("cNew", "新增线索", "New findings"),
    ("cChanged", "有变化的线索", "Changed findings"),
    ("cResolved", "已消失的线索", "Findings gone"),
    ("cSourceChanged", "其中原始记录被删改", "of which source rows deleted or edited"),
    ("cDismissed", "已排除（不属实）", "Dismissed"),
    ("before", "上期金额", "Before"),
    ("now", "本期金额", "Now"),
    ("what", "变化内容", "What changed"),
    ("why", "消失原因", "Why gone"),
    ("cases", "案件数", "Cases"),
    ("casesUnit", "个案件", "cases"),
    ("caseMembers", "本案所含线索", "Findings in this case"),
    ("printCase", "打印本案线索处置表", "Print this case's sheet (线索处置表)"),
    ("printTopLabel", "打印排名前", "Print the sheets of the top"),
    ("printTop", "案的线索处置表", "cases"),
    (
        "embeddedFindings",
        "本页收录风险最高的{n}条线索（共{total}条）；其余线索见findings.xlsx和findings.csv。统计与图表按全部线索计算。",
        "This page holds the {n} highest-ranked findings of {total}; the rest are in findings.xlsx and findings.csv. Counts and charts cover all findings.",
    ),
    (
        "embeddedCases",
        "本页收录排名前{n}的案件（共{total}个）；其余见findings.xlsx的案件表和cases.csv。",
        "This page holds the top {n} cases of {total}; the rest are in findings.xlsx and cases.csv.",
    ),
    (
        "rawOmitted",
        "本页仅为排名前{n}的线索收录原始数据行；该线索的原始数据请查阅输入文件（编号见上）。",
        "The page holds input rows for the top {n} findings only; look this one up in the input files by the ids above.",
    ),
    ("asOf", "截止日期", "As of"),
    ("findings", "线索数", "Findings"),
    ("findingsUnit", "条线索", "findings"),
    ("money", "涉及金额（元）", "Money at risk (yuan)"),
    ("unitScore", "单位风险分", "Unit score"),
    (
        "chartTownship",
        "各乡镇涉及金额（元）",
        "Money at risk by township (yuan)",
    ),
    (
        "chartCategory",
        "各类问题涉及金额（元）",
        "Money at risk by category (yuan)",
    ),
    (
        "chartLate",
        "逾期天数分布（线索数）",
        "Days late (findings)",
    ),
    ("chartRules", "各规则线索占比", "Share of each rule"),
    ("inputs", "输入文件", "Inputs"),
    ("read", "读取", "read"),
    ("used", "使用", "used"),
    ("rejected", "拒收", "rejected"),
    ("all", "全部", "all"),
    ("page", "第", "page"),
    ("category", "问题类型", "Category"),
    ("township", "乡镇", "Township"),
    ("township_split", "分属乡镇金额", "Money by township"),
    ("program", "补贴项目", "Program"),
    ("minAmount", "金额不低于", "Amount at least"),
    ("minScore", "风险分不低于", "Score at least"),
    ("search", "搜索", "Search"),
    (
        "rawNote",
        "以下为该线索涉及的原始数据行。",
        "The input rows behind this finding.",
    ),
    ("rawBeneficiaries", "花名册", "Registry rows"),
    ("rawAllocations", "发放清册", "Allocations"),
    ("rawPayments", "代发记录", "Payments"),
    ("rawDeaths", "死亡名单", "Death list"),
    ("rawOfficials", "公职人员名单", "Payroll and cadres"),
    ("incomplete", "数据疑似不完整", "The inputs look incomplete"),
    ("digitsTitle", "金额首位数字分析（本福特定律）：供分析参考，不是问题线索", "First-digit test of amounts (Benford): context, not findings"),
    ("unitScoreHelp", "单位风险分：该乡镇全部线索风险分之和，用于一案双查排序", "Unit score: the sum of the township's findings' risk scores, to rank units"),
    ("topCases", "排名前10的案件", "Top 10 cases"),
    ("postedLists", "公示名单（各村已公示的项目与所属期）", "Posted lists (which village posted which program and period)"),
    ("notDelivered", "未提供（已发放{n}笔）", "not delivered ({n} payments made)"),
    ("postedNone", "本乡镇没有提供公示名单：公示核对未对本乡镇开展", "No posted lists for this township: the publicity check was not run here"),
    ("postedNotRun", "本次未提供公示名单：公示核对未开展", "No posted lists were delivered: the publicity check was not run"),
    ("village", "村（社区）", "Village"),
    ("program", "项目", "Program"),
    ("period", "所属期", "Period"),
    ("postedRows", "公示人数", "Rows"),
    ("unplaced", "无法对应花名册", "Not placed"),
    ("postedFrom", "公示开始", "Posted from"),
    ("postedTo", "公示结束", "Posted to"),
    ("yuan", "元", "yuan"),
    ("ruleCode", "规则代码", "Rule code"),
    ("caseSearch", "搜索案件", "Search cases"),
];

/// (Benford conformity as the summary writes it, Chinese): the digit test's verdicts.
const CONFORMITY: &[(&str, &str)] = &[
    ("too few payments", "笔数不足，未检验"),
    ("close conformity", "高度符合"),
    ("acceptable conformity", "基本符合"),
    ("marginally acceptable", "勉强符合"),
    ("nonconformity", "不符合"),
    ("not tested: fixed standards", "固定标准发放，未检验"),
    (
        "not tested: amounts within one order of magnitude",
        "金额集中于同一数量级，未检验",
    ),
];

/// The headers of a digit test's figures, in Chinese (the page and the workbook).
pub const DIGIT_HEADS: [&str; 6] = [
    "分组",
    "名称",
    "笔数",
    "平均绝对偏差",
    "符合度",
    "整百金额占比",
];

/// A digit test's verdict in `lang`.
pub fn conformity(lang: Lang, verdict: &str) -> &str {
    match lang {
        Lang::En => verdict,
        Lang::Zh => CONFORMITY
            .iter()
            .find(|(e, _)| *e == verdict)
            .map_or(verdict, |(_, z)| z),
    }
}

/// (column, Chinese, English) headers of the findings table and the drill-down.
const COLUMN_WORDS: &[(&str, &str, &str)] = &[
    ("rank", "排名", "Rank"),
    ("finding_id", "线索编号", "Finding"),
    ("category", "问题类型", "Category"),
    ("rule", "规则", "Rule"),
    ("severity", "风险等级", "Severity"),
    ("risk_score", "风险分", "Score"),
    ("amount_at_risk", "涉及金额", "Amount"),
    ("township", "乡镇", "Township"),
    ("program", "补贴项目", "Program"),
    ("beneficiary_ids", "人员编号", "Beneficiaries"),
    ("allocation_ids", "清册编号", "Allocations"),
    ("payment_ids", "代发流水号", "Payments"),
    ("similarity", "姓名相似度", "Similarity"),
    ("confidence", "置信度", "Confidence"),
    ("days_late", "逾期天数", "Days late"),
    ("evidence", "问题线索", "Evidence"),
    ("case_id", "案件编号", "Case"),
    ("status", "处置", "Decision"),
    ("note", "备注", "Note"),
    ("reviewer", "核查人", "Reviewer"),
    ("reviewed_at", "处置时间", "Decided at"),
    ("case_score", "案件分", "Case score"),
    ("findings", "线索数", "Findings"),
    ("townships", "乡镇", "Townships"),
    ("summary", "案情摘要", "Summary"),
    ("change", "变化", "Change"),
    ("rule_title", "问题", "Issue"),
    ("refs", "关联名单", "Reference lists"),
];

/// Every label the page shows, in `lang`, as the page script reads them; `codes` are the
/// rule codes of the run's findings.
pub(super) fn labels(lang: Lang, policy: &Policy, codes: &[&str]) -> Value {
    let pick = |z: &str, e: &str| Value::from(if lang == Lang::Zh { z } else { e });
    let table = |words: &[(&str, &str, &str)]| -> serde_json::Map<String, Value> {
        words
            .iter()
            .map(|(k, z, e)| (k.to_string(), pick(z, e)))
            .collect()
    };
    let mut l = table(WORDS);
    l.insert("cols".into(), Value::Object(table(COLUMN_WORDS)));
    // The drill-down's input rows under the ledgers' own Chinese headers (each field's
    // first alias in the input spec, what an office export calls it).
    let fields: serde_json::Map<String, Value> = fundaudit_core::spec::ALL
        .iter()
        .map(|spec| {
            let mut heads: serde_json::Map<String, Value> = spec
                .columns
                .iter()
                .map(|c| {
                    let zh = c.aliases.first().copied().unwrap_or(c.name);
                    (c.name.to_string(), pick(zh, c.name))
                })
                .collect();
            heads.insert("_source_file".into(), pick("来源文件", "source file"));
            (spec.stem.to_string(), Value::Object(heads))
        })
        .collect();
    l.insert("fields".into(), Value::Object(fields));
    l.insert(
        "conformity".into(),
        Value::Object(
            CONFORMITY
                .iter()
                .map(|(e, _)| (e.to_string(), Value::from(conformity(lang, e))))
                .collect(),
        ),
    );
    l.insert(
        "digitHeads".into(),
        Value::from(if lang == Lang::Zh {
            DIGIT_HEADS.to_vec()
        } else {
            vec![
                "By",
                "Group",
                "Payments",
                "MAD",
                "Conformity",
                "Round amounts",
            ]
        }),
    );
    l.insert(
        "by".into(),
        Value::Object(table(&[
            ("township", "乡镇", "township"),
            ("program", "补贴项目", "program"),
        ])),
    );
    l.insert(
        "categories".into(),
        Value::Object(
            Category::ALL
                .iter()
                .map(|c| (c.code().to_string(), pick(c.chinese(), c.code())))
                .collect(),
        ),
    );
    l.insert(
        "severity".into(),
        Value::Object(table(&[
            ("high", "高", "high"),
            ("medium", "中", "medium"),
            ("low", "低", "low"),
        ])),
    );
    l.insert(
        "change".into(),
        Value::Object(table(&[
            ("new", "新增", "new"),
            ("changed", "有变化", "changed"),
            ("persisting", "持续", "persisting"),
        ])),
    );
    // Rules by name, in the page's language (the policy's titles): every built-in rule
    // and each code the run's findings carry (a reference list the config adds).
    let mut rules: serde_json::Map<String, Value> = serde_json::Map::new();
    for code in fundaudit_core::findings::Rule::ALL
        .iter()
        .map(|r| r.code())
        .chain(codes.iter().copied())
    {
        rules.insert(
            code.to_string(),
            Value::from(policy.title(code, lang == Lang::En)),
        );
    }
    l.insert("rules".into(), Value::Object(rules));
    // An English page: each rule's description beside its (Chinese) evidence.
    if lang == Lang::En {
        let described: serde_json::Map<String, Value> = fundaudit_core::findings::Rule::ALL
            .iter()
            .map(|r| r.code())
            .chain(codes.iter().copied())
            .map(|code| {
                (
                    code.to_string(),
                    Value::from(policy.rule(code).description_en),
                )
            })
            .collect();
        l.insert("ruleDescriptions".into(), Value::Object(described));
    }
    l.insert(
        "status".into(),
        Value::Object(table(&[
            ("confirmed", "属实", "confirmed"),
            ("dismissed", "不属实", "dismissed"),
            ("investigating", "核查中", "investigating"),
        ])),
    );
    Value::Object(l)
}
