//! The invented names, places, forms, stories and donors the demo draws from.

pub(super) const SURNAMES: &[(&str, &str)] = &[
    ("김", "Kim"),
    ("이", "Lee"),
    ("박", "Park"),
    ("최", "Choi"),
    ("정", "Jung"),
    ("강", "Kang"),
    ("조", "Cho"),
    ("윤", "Yoon"),
    ("장", "Jang"),
    ("임", "Lim"),
    ("한", "Han"),
    ("오", "Oh"),
    ("서", "Seo"),
    ("신", "Shin"),
    ("권", "Kwon"),
    ("황", "Hwang"),
    ("안", "Ahn"),
    ("송", "Song"),
];
pub(super) const GIVEN: &[(&str, &str)] = &[
    ("민준", "Minjun"),
    ("서연", "Seoyeon"),
    ("지훈", "Jihoon"),
    ("하은", "Haeun"),
    ("도윤", "Doyoon"),
    ("수아", "Sua"),
    ("예준", "Yejun"),
    ("지우", "Jiwoo"),
    ("영숙", "Youngsook"),
    ("정희", "Junghee"),
    ("순자", "Soonja"),
    ("상철", "Sangchul"),
    ("광수", "Kwangsoo"),
    ("미경", "Mikyung"),
    ("동현", "Donghyun"),
    ("은지", "Eunji"),
    ("성민", "Sungmin"),
    ("혜진", "Hyejin"),
    ("재원", "Jaewon"),
    ("명자", "Myungja"),
];
/// Site, state, cities, street names, area code, postal code prefix.
pub(super) const PLACES: &[(&str, &str, &[&str], &[&str], &str, &str)] = &[
    (
        "LA",
        "CA",
        &["Los Angeles", "Koreatown", "Torrance", "Garden Grove"],
        &[
            "Harvard Blvd",
            "Normandie Ave",
            "Wilshire Pl",
            "Serrano Ave",
        ],
        "213",
        "900",
    ),
    (
        "CHI",
        "IL",
        &["Chicago", "Niles", "Glenview", "Skokie"],
        &["N Kedzie Ave", "W Lawrence Ave", "N Pulaski Rd", "Golf Rd"],
        "773",
        "606",
    ),
    (
        "NYC",
        "NY",
        &["Flushing", "Bayside", "Elmhurst", "Sunnyside"],
        &["Northern Blvd", "Union St", "Roosevelt Ave", "Queens Blvd"],
        "718",
        "113",
    ),
];
pub(super) const FORMS: &[&str] = &["N-400", "I-90", "I-765", "I-131", "N-600"];
pub(super) const STORIES: &[(&str, &str)] = &[
    (
        "eviction",
        "집세가 밀려 퇴거 통지를 받았습니다. 다음 달부터 새 일을 시작합니다.",
    ),
    (
        "utility_shutoff",
        "Gas shut-off notice after a hospital stay; two children at home.",
    ),
    ("medical", "수술 후 약값과 병원비가 감당이 안 됩니다."),
    (
        "fire_or_disaster",
        "아파트 화재로 옷과 가구를 잃었습니다 🔥",
    ),
    (
        "job_loss",
        "Restaurant closed; looking for work, rent due on the 1st.",
    ),
    ("death_in_family", "남편 장례 비용이 필요합니다."),
];
pub(super) const DONORS: &[&str] = &[
    "한인 연합 장로교회",
    "Queens Korean Merchants Association",
    "Anonymous",
    "시카고 한인 봉사회",
    "Wilshire Dental Group",
    "새소망 교회 여선교회",
    "Park & Lee CPA",
];
