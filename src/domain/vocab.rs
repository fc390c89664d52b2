//! The closed vocabularies of the domain: roles, languages, programs, categories,
//! document kinds, filing methods, relationships, and US state codes.

text_enum! {
    /// What a user may do. A user holds one or more.
    pub enum Role {
        Caseworker = "caseworker",
        BoardMember = "board_member",
        Accountant = "accountant",
        Admin = "admin",
    }
}

/// Who keeps the books: funds, receipts, payments, the ledger and its exports.
pub const BOOKKEEPERS: &[Role] = &[Role::Accountant, Role::Admin];
/// Who works with families and may read their households.
pub const HOUSEHOLD_READERS: &[Role] = &[Role::Caseworker, Role::Admin];

text_enum! {
    /// The two languages every screen and message exists in.
    pub enum Language {
        En = "en",
        Ko = "ko",
    }
}

text_enum! {
    pub enum Program {
        ImmigrationFee = "immigration_fee",
        Emergency = "emergency",
    }
}

text_enum! {
    pub enum EmergencyCategory {
        Eviction = "eviction",
        UtilityShutoff = "utility_shutoff",
        Medical = "medical",
        FireOrDisaster = "fire_or_disaster",
        JobLoss = "job_loss",
        DeathInFamily = "death_in_family",
        Other = "other",
    }
}

text_enum! {
    /// A checklist item a caseworker saw.
    pub enum DocumentKind {
        PhotoId = "photo_id",
        IdentityDocument = "identity_document",
        ProofOfIncome = "proof_of_income",
        CompletedForm = "completed_form",
        EventEvidence = "event_evidence",
        Other = "other",
    }
}

text_enum! {
    pub enum Filing {
        Paper = "paper",
        Online = "online",
    }
}

text_enum! {
    pub enum Relationship {
        SelfMember = "self",
        Spouse = "spouse",
        Child = "child",
        Parent = "parent",
        Sibling = "sibling",
        Grandparent = "grandparent",
        Grandchild = "grandchild",
        Other = "other",
    }
}

text_enum! {
    /// Why a household may be the same family.
    pub enum MatchReason {
        Phone = "phone",
        NameKo = "name_ko",
        Name = "name",
        Member = "member",
        Address = "address",
    }
}

// The macro's derive list is shared, so Default is written out here.
#[allow(clippy::derivable_impls)]
impl Default for Language {
    fn default() -> Self {
        Language::En
    }
}

/// Postal codes of the 50 states, DC and the inhabited territories.
pub const US_STATES: &[&str] = &[
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA",
    "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM",
    "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA",
    "WV", "WI", "WY", "AS", "GU", "MP", "PR", "VI",
];

pub fn is_us_state(code: &str) -> bool {
    US_STATES.contains(&code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocabularies_round_trip_through_text_and_json() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(*role));
        }
        let json = serde_json::to_string(&EmergencyCategory::FireOrDisaster).unwrap();
        assert_eq!(json, "\"fire_or_disaster\"");
        let back: EmergencyCategory = serde_json::from_str(&json).unwrap();
        assert_eq!(back, EmergencyCategory::FireOrDisaster);
    }

    #[test]
    fn unknown_value_names_the_allowed_ones() {
        let err = serde_json::from_str::<Program>("\"loan\"").unwrap_err();
        assert!(
            err.to_string().contains("immigration_fee, emergency"),
            "{err}"
        );
    }

    #[test]
    fn states_include_dc_alaska_hawaii_but_not_junk() {
        assert!(is_us_state("DC") && is_us_state("AK") && is_us_state("HI"));
        assert!(!is_us_state("XX") && !is_us_state("ca"));
    }
}

text_enum! {
    /// Whether a month of the books takes entries.
    pub enum PeriodStatus {
        Open = "open",
        Closed = "closed",
    }
}

text_enum! {
    /// A relationship between an applicant's family and someone close to the fund, asked at
    /// intake (the IRS's grant file needs it).
    pub enum InsiderRelationship {
        None = "none",
        Board = "board",
        Officer = "officer",
        Staff = "staff",
        MajorDonor = "major_donor",
    }
}
