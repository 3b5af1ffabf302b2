//! Names for the synthetic registry: surnames and given names with their weights (many
//! 王芳 and 张伟, as in a real county), minority names, and the spellings banks produce
//! (traditional characters, homophones).

use pinyin::ToPinyin;

pub(super) const SURNAMES: &[(&str, u32)] = &[
    ("王", 71),
    ("李", 70),
    ("张", 67),
    ("刘", 54),
    ("陈", 45),
    ("杨", 31),
    ("黄", 22),
    ("赵", 20),
    ("吴", 19),
    ("周", 19),
    ("徐", 16),
    ("孙", 15),
    ("马", 14),
    ("朱", 13),
    ("胡", 13),
    ("郭", 12),
    ("何", 12),
    ("高", 11),
    ("林", 11),
    ("罗", 10),
    ("郑", 10),
    ("梁", 9),
    ("谢", 8),
    ("宋", 8),
    ("唐", 8),
    ("许", 7),
    ("韩", 7),
    ("冯", 7),
    ("邓", 7),
    ("曹", 7),
    ("彭", 6),
    ("曾", 6),
    ("肖", 6),
    ("田", 6),
    ("董", 6),
    ("袁", 5),
    ("潘", 5),
    ("于", 5),
    ("蒋", 5),
    ("蔡", 5),
    ("余", 5),
    ("杜", 5),
    ("叶", 5),
    ("程", 5),
    ("苏", 4),
    ("魏", 4),
    ("吕", 4),
    ("丁", 4),
    ("任", 4),
    ("沈", 4),
    ("姚", 4),
    ("卢", 4),
    ("姜", 4),
    ("崔", 3),
    ("钟", 3),
    ("谭", 3),
];

pub(super) const GIVEN: &[(&str, u32)] = &[
    ("伟", 40),
    ("芳", 38),
    ("娜", 30),
    ("敏", 28),
    ("静", 28),
    ("丽", 26),
    ("强", 25),
    ("磊", 24),
    ("军", 24),
    ("洋", 20),
    ("勇", 20),
    ("艳", 19),
    ("杰", 18),
    ("娟", 18),
    ("涛", 17),
    ("明", 17),
    ("超", 16),
    ("秀", 16),
    ("霞", 15),
    ("平", 15),
    ("刚", 14),
    ("桂", 13),
    ("英", 13),
    ("华", 13),
    ("玉", 12),
    ("兰", 12),
    ("红", 12),
    ("梅", 11),
    ("飞", 10),
    ("鹏", 10),
    ("辉", 10),
    ("林", 9),
    ("建", 9),
    ("国", 9),
    ("志", 9),
    ("海", 8),
    ("波", 8),
    ("玲", 8),
    ("萍", 8),
    ("燕", 8),
    ("凤", 7),
    ("春", 7),
    ("金", 7),
    ("荣", 7),
    ("福", 6),
    ("山", 6),
    ("文", 6),
    ("宝", 6),
    ("成", 5),
    ("庆", 5),
    ("德", 5),
    ("良", 5),
    ("兴", 5),
    ("顺", 5),
    ("义", 4),
    ("亮", 4),
    ("斌", 4),
    ("云", 4),
    ("龙", 4),
    ("东", 4),
    ("琴", 3),
    ("雪", 3),
    ("慧", 3),
    ("芬", 3),
    ("婷", 3),
    ("宇", 3),
    ("浩", 3),
    ("俊", 3),
    ("颖", 3),
    ("倩", 3),
];

/// One-character given names of another county's registers (`generate --names common`),
/// a few dozen held by most people: a different name distribution than [`GIVEN`].
pub(super) const COMMON_GIVEN: &[(&str, u32)] = &[
    ("刚", 40),
    ("静", 40),
    ("军", 39),
    ("勇", 39),
    ("杰", 38),
    ("涛", 38),
    ("明", 37),
    ("超", 37),
    ("强", 36),
    ("磊", 36),
    ("洋", 35),
    ("艳", 35),
    ("红", 34),
    ("霞", 34),
    ("平", 33),
    ("华", 33),
    ("燕", 32),
    ("玲", 32),
    ("峰", 31),
    ("斌", 31),
    ("鹏", 30),
    ("辉", 30),
    ("丹", 29),
    ("萍", 29),
    ("宁", 28),
    ("波", 28),
    ("健", 27),
    ("英", 27),
    ("兰", 26),
    ("凤", 26),
    ("梅", 25),
    ("琴", 25),
    ("云", 24),
    ("林", 24),
    ("海", 23),
    ("亮", 23),
    ("成", 22),
    ("飞", 22),
    ("龙", 21),
    ("虎", 21),
];

pub(super) const MINORITY: &[&str] = &[
    "买买提·艾力",
    "阿依古丽·吐尔逊",
    "努尔·阿不都",
    "热依拉·买买提",
    "古丽·沙吾提",
];

/// Traditional forms banks and old registers use.
pub(super) const TRADITIONAL: &[(char, char)] = &[
    ('张', '張'),
    ('刘', '劉'),
    ('陈', '陳'),
    ('杨', '楊'),
    ('黄', '黃'),
    ('赵', '趙'),
    ('吴', '吳'),
    ('孙', '孫'),
    ('马', '馬'),
    ('郑', '鄭'),
    ('冯', '馮'),
    ('邓', '鄧'),
    ('许', '許'),
    ('韩', '韓'),
    ('叶', '葉'),
    ('苏', '蘇'),
    ('吕', '呂'),
    ('罗', '羅'),
    ('谢', '謝'),
    ('伟', '偉'),
    ('华', '華'),
    ('红', '紅'),
    ('军', '軍'),
    ('丽', '麗'),
    ('兰', '蘭'),
    ('凤', '鳳'),
    ('国', '國'),
    ('荣', '榮'),
    ('龙', '龍'),
    ('云', '雲'),
    ('东', '東'),
    ('刚', '剛'),
    ('强', '強'),
    ('静', '靜'),
    ('宝', '寶'),
    ('庆', '慶'),
    ('艳', '艷'),
    ('杰', '傑'),
    ('涛', '濤'),
    ('辉', '輝'),
    ('鹏', '鵬'),
    ('飞', '飛'),
    ('兴', '興'),
    ('顺', '順'),
    ('义', '義'),
    ('钟', '鍾'),
    ('谭', '譚'),
    ('蒋', '蔣'),
    ('姜', '薑'),
];

/// Same sound, other character: the registrar heard the name and wrote another.
pub(super) const HOMOPHONES: &[(char, char)] = &[
    ('伟', '玮'),
    ('静', '晶'),
    ('芳', '方'),
    ('丽', '莉'),
    ('明', '鸣'),
    ('华', '桦'),
    ('军', '君'),
    ('英', '瑛'),
    ('红', '虹'),
    ('平', '萍'),
    ('萍', '平'),
    ('敏', '闵'),
    ('杰', '洁'),
    ('兰', '岚'),
    ('玲', '铃'),
    ('燕', '艳'),
    ('艳', '燕'),
    ('梅', '玫'),
    ('娟', '鹃'),
    ('磊', '垒'),
    ('涛', '韬'),
];

pub(super) fn traditional(name: &str) -> Option<String> {
    let mut changed = false;
    let s: String = name
        .chars()
        .map(|c| match TRADITIONAL.iter().find(|(s, _)| *s == c) {
            Some((_, t)) => {
                changed = true;
                *t
            }
            None => c,
        })
        .collect();
    changed.then_some(s)
}

pub(super) fn homophone(name: &str) -> Option<String> {
    let chars: Vec<char> = name.chars().collect();
    for (i, c) in chars.iter().enumerate().skip(1) {
        if let Some((_, h)) = HOMOPHONES.iter().find(|(s, _)| s == c) {
            let mut v = chars.clone();
            v[i] = *h;
            return Some(v.into_iter().collect());
        }
    }
    None
}

/// A name's pinyin spelling as a bank or an old card writes it: `Wei Zhang`, or with
/// `reorder` the given name first; a minority name's parts each spelled.
pub(super) fn latin(name: &str, reorder: bool) -> String {
    let spell = |part: &str| -> String {
        let s: String = part
            .chars()
            .map(|c| {
                c.to_pinyin()
                    .map(|p| p.plain().to_string())
                    .unwrap_or_default()
            })
            .collect();
        let mut cs = s.chars();
        cs.next()
            .map(|f| f.to_uppercase().collect::<String>() + cs.as_str())
            .unwrap_or_default()
    };
    let mut parts: Vec<String> = if name.contains('·') {
        name.split('·').map(spell).collect()
    } else {
        let chars: Vec<char> = name.chars().collect();
        let surname: String = chars[..1.min(chars.len())].iter().collect();
        let given: String = chars[1.min(chars.len())..].iter().collect();
        vec![spell(&surname), spell(&given)]
    };
    if reorder {
        parts.reverse();
    }
    parts.join(" ")
}
