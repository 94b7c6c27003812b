//! Validated values: free text, identifiers, e-mail addresses, partner IDs and dates.
//!
//! Each type can only be built through `FromStr`, so a value that reached the model has already
//! passed its rule; the command line uses the same parsers, so a bad value is a usage error
//! (exit 2) before anything is read or written.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// Longest free text accepted (titles, names, products), in characters.
pub const MAX_TEXT_CHARS: usize = 200;
/// Longest identifier accepted (Contract ID, Access ID, case number, tenant), in characters.
pub const MAX_ID_CHARS: usize = 64;
/// Longest e-mail address accepted (RFC 5321's limit).
pub const MAX_EMAIL_CHARS: usize = 254;
/// Dates outside these years are typos, not plans.
pub const YEARS: std::ops::RangeInclusive<i32> = 1990..=2199;

/// Why a value was rejected; the message never repeats the value (the caller names it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ValueError(pub String);

fn reject<T>(why: impl Into<String>) -> Result<T, ValueError> {
    Err(ValueError(why.into()))
}

/// Invisible characters that reorder the text around them (the "Trojan Source" trick): a title
/// could display as something other than what it says. Right-to-left letters themselves are fine.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Characters that draw nothing, so that two texts that look the same can differ (zero-width
/// spaces and joiners, the word joiner, the byte-order mark, the soft hyphen, the line and
/// paragraph separators, and the tag characters).
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{00AD}' | '\u{200B}'..='\u{200D}' | '\u{2028}' | '\u{2029}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}' | '\u{E0000}'..='\u{E007F}')
}

/// Combining marks (accents written as their own character) in the blocks Latin, Greek and
/// Cyrillic text uses.
fn is_combining(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}' | '\u{1AB0}'..='\u{1AFF}' | '\u{1DC0}'..='\u{1DFF}' | '\u{20D0}'..='\u{20FF}' | '\u{FE20}'..='\u{FE2F}')
}

/// More stacked marks than any language needs: what remains is text drawn over its neighbours.
const MAX_STACKED_MARKS: usize = 4;

/// Human text: trimmed, non-empty, at most [`MAX_TEXT_CHARS`], no control characters, no
/// bidirectional overrides, no accent without a letter or stacked past [`MAX_STACKED_MARKS`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Text(String);

/// New text (typed on the command line) is refused with an invisible character in it; text
/// already recorded keeps its characters, and is shown with them escaped.
impl FromStr for Text {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, ValueError> {
        let t = s.trim();
        Text::check(t)?;
        if let Some(c) = t.chars().find(|c| is_invisible(*c)) {
            return reject(format!(
                "expected text without invisible characters (found U+{:04X})",
                u32::from(c)
            ));
        }
        Ok(Text(t.to_string()))
    }
}

impl TryFrom<String> for Text {
    type Error = ValueError;
    /// Keeps the string it is given when it needs no trimming: loading a large file builds
    /// many of these.
    fn try_from(s: String) -> Result<Self, ValueError> {
        let t = s.trim();
        Text::check(t)?;
        if t.len() == s.len() {
            Ok(Text(s))
        } else {
            Ok(Text(t.to_string()))
        }
    }
}

impl Text {
    fn check(t: &str) -> Result<(), ValueError> {
        if t.is_empty() {
            return reject("expected non-empty text");
        }
        // Most text is printable ASCII, which none of the rules below can refuse.
        if t.bytes().all(|b| (b' '..=b'~').contains(&b)) {
            return match t.len() > MAX_TEXT_CHARS {
                true => reject(format!("expected at most {MAX_TEXT_CHARS} characters")),
                false => Ok(()),
            };
        }
        if t.chars().any(char::is_control) {
            return reject("expected text without control characters");
        }
        if t.chars().any(is_bidi_control) {
            return reject("expected text without bidirectional control characters");
        }
        if t.starts_with(is_combining) {
            return reject("expected text that starts with a letter, not an accent");
        }
        let mut stacked = 0;
        for c in t.chars() {
            stacked = if is_combining(c) { stacked + 1 } else { 0 };
            if stacked > MAX_STACKED_MARKS {
                return reject(format!(
                    "expected at most {MAX_STACKED_MARKS} accents on one letter"
                ));
            }
        }
        if t.chars().count() > MAX_TEXT_CHARS {
            return reject(format!("expected at most {MAX_TEXT_CHARS} characters"));
        }
        Ok(())
    }
}

/// An identifier such as a Contract ID or Access ID: 1–64 ASCII letters, digits, `-`, `_`, `.`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Id(String);

/// What a person types or pastes: the spaces around an ID (copied from a page or a mail) are
/// not part of it. A file's ID is read as it is written (`TryFrom<String>`).
impl FromStr for Id {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, ValueError> {
        let s = s.trim();
        Id::check(s)?;
        Ok(Id(s.to_string()))
    }
}

impl TryFrom<String> for Id {
    type Error = ValueError;
    fn try_from(s: String) -> Result<Self, ValueError> {
        Id::check(&s)?;
        Ok(Id(s))
    }
}

impl Id {
    fn check(s: &str) -> Result<(), ValueError> {
        if s.is_empty() {
            return reject("expected a non-empty ID");
        }
        if s.len() > MAX_ID_CHARS {
            return reject(format!(
                "expected an ID of at most {MAX_ID_CHARS} characters"
            ));
        }
        if !s
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
        {
            return reject("expected an ID of ASCII letters, digits, `-`, `_` or `.`");
        }
        Ok(())
    }
}

impl Id {
    /// The ID with all but its last four characters hidden, for output.
    pub fn masked(&self) -> String {
        let n = self.0.chars().count();
        if n <= 4 {
            return "****".to_string();
        }
        let tail: String = self.0.chars().skip(n - 4).collect();
        format!("****{tail}")
    }
}

/// An Access ID: a credential that opens a support request on the contract's behalf.
///
/// It has no `Display`, and its `Debug` is masked, so it can only reach output through an
/// explicit [`AccessId::masked`] or [`AccessId::expose`].
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AccessId(Id);

impl FromStr for AccessId {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, ValueError> {
        s.parse().map(AccessId)
    }
}

impl AccessId {
    /// All but the last four characters hidden.
    pub fn masked(&self) -> String {
        self.0.masked()
    }

    /// The secret itself, for `--reveal` and the state file only.
    pub fn expose(&self) -> &str {
        self.0.as_str()
    }
}

impl fmt::Debug for AccessId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AccessId({})", self.masked())
    }
}

/// A profile's name: 1–64 ASCII letters, digits, `-`, `_` or `.`, starting with a letter or
/// digit (it names a folder, so `..` and hidden names are out).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ProfileName(String);

impl FromStr for ProfileName {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, ValueError> {
        Id::check(s)?;
        if !s.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            return reject("expected a profile name that starts with a letter or digit");
        }
        Ok(ProfileName(s.to_string()))
    }
}

impl fmt::Display for ProfileName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An account's e-mail address, kept in lowercase so that lookups ignore case.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl FromStr for Email {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, ValueError> {
        let t = s.trim();
        Email::check(t)?;
        Ok(Email(t.to_ascii_lowercase()))
    }
}

impl TryFrom<String> for Email {
    type Error = ValueError;
    fn try_from(s: String) -> Result<Self, ValueError> {
        let t = s.trim();
        Email::check(t)?;
        // The stored form is kept as it is: no second copy of every address read from a file.
        match t.len() == s.len() && !t.bytes().any(|b| b.is_ascii_uppercase()) {
            true => Ok(Email(s)),
            false => Ok(Email(t.to_ascii_lowercase())),
        }
    }
}

impl Email {
    /// `s` is trimmed already.
    fn check(s: &str) -> Result<(), ValueError> {
        if s.len() > MAX_EMAIL_CHARS {
            return reject(format!(
                "expected an e-mail address of at most {MAX_EMAIL_CHARS} characters"
            ));
        }
        let b = s.as_bytes();
        let ok = match b.iter().position(|&c| c == b'@') {
            Some(at) => {
                let domain = &b[at + 1..];
                at > 0
                    && domain.contains(&b'.')
                    && domain.first() != Some(&b'.')
                    && domain.last() != Some(&b'.')
                    && !domain.contains(&b'@')
                    && b.iter().all(u8::is_ascii_graphic)
            }
            None => false,
        };
        if !ok {
            return reject("expected an e-mail address like `name@example.com`");
        }
        Ok(())
    }
}

/// A partner-program (MPN) partner ID: 1–12 digits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PartnerId(String);

impl FromStr for PartnerId {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, ValueError> {
        if s.is_empty() || s.len() > 12 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return reject("expected a partner ID of 1 to 12 digits");
        }
        Ok(PartnerId(s.to_string()))
    }
}

macro_rules! string_from_parse {
    ($($t:ident),*) => {$(
        impl TryFrom<String> for $t {
            type Error = ValueError;
            fn try_from(s: String) -> Result<Self, ValueError> {
                s.parse()
            }
        }
    )*};
}

macro_rules! string_newtype {
    ($($t:ident),*) => {$(
        impl $t {
            /// The value as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl From<$t> for String {
            fn from(v: $t) -> String {
                v.0
            }
        }
    )*};
}
string_newtype!(Text, Id, Email, PartnerId);
string_from_parse!(PartnerId);

/// The first character of `s` that could drive a terminal or hide in it, with what it is in
/// words: a control character (an escape sequence's start, a carriage return, a line feed), a
/// bidirectional control, or an invisible character. Text brought in files (catalogs, lifecycle
/// tables) is refused with one; text already recorded is shown through [`printable`].
pub fn unshowable(s: &str) -> Option<(char, &'static str)> {
    s.chars()
        .find_map(|c| unshowable_char(c).map(|what| (c, what)))
}

/// What `c` is, in words, when it could drive a terminal or hide in it (see [`unshowable`]).
pub fn unshowable_char(c: char) -> Option<&'static str> {
    if c.is_control() {
        Some("a control character")
    } else if is_bidi_control(c) {
        Some("a bidirectional control character")
    } else if is_invisible(c) {
        Some("an invisible character")
    } else {
        None
    }
}

/// Text for messages with control characters (ANSI escapes among them) written as escapes, so a
/// value that was never validated cannot drive the terminal.
pub fn printable(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            let escaped: Vec<char> = if c.is_control() || is_bidi_control(c) || is_invisible(c) {
                c.escape_default().collect()
            } else {
                vec![c]
            };
            escaped
        })
        .collect()
}

/// Dates as records spell them, `YYYY-MM-DD`, read and written without chrono's general-purpose
/// format machinery (every incident has two or three).
pub mod ymd {
    use std::fmt;

    use chrono::{Datelike, NaiveDate};
    use serde::de::{self, Visitor};
    use serde::{Deserializer, Serializer};

    /// The date's text: digit by digit (every date written or shown goes through here), and by
    /// `format!` for a year beyond four digits.
    fn text(d: &NaiveDate) -> String {
        let (year, month, day) = (d.year(), d.month(), d.day());
        let Ok(y @ 0..=9999) = u32::try_from(year) else {
            return format!("{year:04}-{month:02}-{day:02}");
        };
        let digit = |n: u32| b'0' + (n % 10) as u8;
        let bytes = [
            digit(y / 1000),
            digit(y / 100),
            digit(y / 10),
            digit(y),
            b'-',
            digit(month / 10),
            digit(month),
            b'-',
            digit(day / 10),
            digit(day),
        ];
        String::from_utf8(bytes.to_vec()).expect("ASCII digits")
    }

    /// The date in `s`, if it is exactly `YYYY-MM-DD` and a real day.
    pub fn parse(s: &str) -> Option<NaiveDate> {
        let b = s.as_bytes();
        let shape = b.len() == 10
            && b.iter().enumerate().all(|(at, c)| match at {
                4 | 7 => *c == b'-',
                _ => c.is_ascii_digit(),
            });
        let n = |from: usize, to: usize| {
            b[from..to]
                .iter()
                .fold(0, |n, d| n * 10 + u32::from(d - b'0'))
        };
        shape.then(|| NaiveDate::from_ymd_opt(n(0, 4) as i32, n(5, 7), n(8, 10)))?
    }

    struct Ymd;

    impl Visitor<'_> for Ymd {
        type Value = NaiveDate;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a date written YYYY-MM-DD")
        }
        fn visit_str<E: de::Error>(self, s: &str) -> Result<NaiveDate, E> {
            parse(s).ok_or_else(|| E::invalid_value(de::Unexpected::Str(s), &self))
        }
    }

    /// Writes a date.
    pub fn serialize<S: Serializer>(d: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&text(d))
    }

    /// Reads a date.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
        d.deserialize_str(Ymd)
    }

    /// The same for an optional date.
    pub mod option {
        use chrono::NaiveDate;
        use serde::{Deserialize, Deserializer, Serializer};

        /// Writes a date or null.
        pub fn serialize<S: Serializer>(d: &Option<NaiveDate>, s: S) -> Result<S::Ok, S::Error> {
            match d {
                Some(d) => super::serialize(d, s),
                None => s.serialize_none(),
            }
        }

        /// Reads a date or null.
        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
            #[derive(Deserialize)]
            struct Wrap(#[serde(with = "super")] NaiveDate);
            Ok(Option::<Wrap>::deserialize(d)?.map(|Wrap(d)| d))
        }
    }
}

/// A moment as the state file and the history log write one (RFC 3339 in UTC:
/// `2026-03-04T09:00:00Z`, with up to nine digits of a second after a point): read digit by
/// digit when written so, as every line of a long history has one; by chrono otherwise.
pub mod instant {
    use std::fmt;

    use chrono::{DateTime, NaiveTime, Utc};
    use serde::de::{self, Visitor};
    use serde::{Deserializer, Serialize, Serializer};

    /// The moment in `s`, if it is written `YYYY-MM-DDTHH:MM:SS[.fraction]Z` and is one.
    pub fn parse(s: &str) -> Option<DateTime<Utc>> {
        let b = s.as_bytes();
        let (Some(b'Z'), true) = (b.last(), b.len() >= 20) else {
            return None;
        };
        let day = super::ymd::parse(s.get(..10)?)?;
        let digits = |from: usize, to: usize| {
            b[from..to].iter().try_fold(0u32, |n, d| {
                d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
            })
        };
        if (b[10], b[13], b[16]) != (b'T', b':', b':') {
            return None;
        }
        let nanos = match &b[19..b.len() - 1] {
            [] => 0,
            [b'.', fraction @ ..] if (1..=9).contains(&fraction.len()) => {
                digits(20, b.len() - 1)? * 10u32.pow(9 - fraction.len() as u32)
            }
            _ => return None,
        };
        let time =
            NaiveTime::from_hms_nano_opt(digits(11, 13)?, digits(14, 16)?, digits(17, 19)?, nanos)?;
        Some(day.and_time(time).and_utc())
    }

    struct Instant;

    impl Visitor<'_> for Instant {
        type Value = DateTime<Utc>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a moment written as RFC 3339 (2026-03-04T09:00:00Z)")
        }
        fn visit_str<E: de::Error>(self, s: &str) -> Result<DateTime<Utc>, E> {
            match parse(s) {
                Some(at) => Ok(at),
                None => s.parse().map_err(E::custom),
            }
        }
    }

    /// Writes a moment, as chrono does.
    pub fn serialize<S: Serializer>(at: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        at.serialize(s)
    }

    /// Reads a moment.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        d.deserialize_str(Instant)
    }
}

/// Parses a calendar date written `YYYY-MM-DD`, refusing impossible days and implausible years.
pub fn parse_date(s: &str) -> Result<NaiveDate, ValueError> {
    let d = ymd::parse(s)
        .ok_or_else(|| ValueError("expected a real calendar date written YYYY-MM-DD".into()))?;
    if !YEARS.contains(&d.year()) {
        return reject(format!(
            "expected a year from {} to {}",
            YEARS.start(),
            YEARS.end()
        ));
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_rules() {
        let cases: &[(&str, Option<&str>)] = &[
            ("  Exchange Server 2019 ", Some("Exchange Server 2019")),
            ("Zürich – مرحبا e\u{301}", Some("Zürich – مرحبا e\u{301}")),
            ("", None),
            ("   \t ", None),
            ("bell\u{7}", None),
            ("esc \u{1b}[31m red", None),
            ("line\nbreak", None),
            ("שלום עולם", Some("שלום עולם")),
            ("Nguyễn Văn A", Some("Nguyễn Văn A")),
            (
                "e\u{301}\u{302}\u{303}\u{304}",
                Some("e\u{301}\u{302}\u{303}\u{304}"),
            ),
            ("e\u{301}\u{302}\u{303}\u{304}\u{305}", None),
            ("\u{301}accent first", None),
            ("invoice \u{202E}fdp.exe", None),
            ("isolate \u{2067}x\u{2069}", None),
            ("mark\u{200F}", None),
        ];
        for (input, want) in cases {
            let got = input.parse::<Text>().ok().map(String::from);
            assert_eq!(got.as_deref(), *want, "input {input:?}");
        }
        assert!("x".repeat(MAX_TEXT_CHARS).parse::<Text>().is_ok());
        assert!("x".repeat(MAX_TEXT_CHARS + 1).parse::<Text>().is_err());
    }

    #[test]
    fn id_rules_and_masking() {
        for ok in ["1234567", "AB-12_x.9"] {
            assert!(ok.parse::<Id>().is_ok(), "{ok}");
        }
        for bad in ["", "   ", "has space", "tab\tinside", "ünï", "a/b"] {
            assert!(bad.parse::<Id>().is_err(), "{bad:?}");
        }
        // Typed or pasted, the spaces around an ID are not part of it; a file's are refused.
        assert_eq!(" tab\t".parse::<Id>().unwrap().as_str(), "tab");
        assert!(Id::try_from(" tab".to_string()).is_err());
        assert!("9".repeat(65).parse::<Id>().is_err());
        let id: Id = "ACC-1234-5678".parse().unwrap();
        assert_eq!(id.masked(), "****5678");
        for bad in ["..", ".hidden", "-x", "a/b", ""] {
            assert!(bad.parse::<ProfileName>().is_err(), "{bad:?}");
        }
        assert!("acme.eu-2".parse::<ProfileName>().is_ok());
        let secret: AccessId = "ACC-1234-5678".parse().unwrap();
        assert_eq!(format!("{secret:?}"), "AccessId(****5678)");
        assert_eq!(secret.expose(), "ACC-1234-5678");
        assert_eq!("abc".parse::<Id>().unwrap().masked(), "****");
    }

    #[test]
    fn email_rules() {
        assert_eq!(
            "Admin@Contoso.COM".parse::<Email>().unwrap().as_str(),
            "admin@contoso.com"
        );
        for bad in [
            "",
            "plain",
            "@contoso.com",
            "a@b",
            "a@b@c.com",
            "a b@c.com",
            "a@.com",
        ] {
            assert!(bad.parse::<Email>().is_err(), "{bad:?}");
            assert!(Email::try_from(bad.to_string()).is_err(), "{bad:?}");
        }
        assert_eq!(
            Email::try_from(" Admin@Contoso.COM ".to_string())
                .unwrap()
                .as_str(),
            "admin@contoso.com"
        );
    }

    #[test]
    fn printable_escapes_control_characters_only() {
        assert_eq!(printable("x\u{1b}[31m é"), "x\\u{1b}[31m é");
        assert_eq!(printable("line\nbreak"), "line\\nbreak");
        assert_eq!(printable("a\u{202E}b"), "a\\u{202e}b");
        assert_eq!(printable("a\u{200B}b\u{E0041}"), "a\\u{200b}b\\u{e0041}");
    }

    #[test]
    fn dates_are_written_as_chrono_shows_them() {
        let mut day = NaiveDate::from_ymd_opt(0, 1, 1).unwrap();
        while day.year() <= 9999 {
            let json = serde_json::to_string(&day).unwrap();
            let mine =
                serde_json::to_value(ymd::serialize(&day, serde_json::value::Serializer).unwrap())
                    .unwrap();
            assert_eq!(json, mine.to_string(), "{day}");
            day = day + chrono::Days::new(997);
        }
    }

    #[test]
    fn stored_dates_match_chrono() {
        for s in [
            "2026-02-28",
            "2028-02-29",
            "0001-01-01",
            "9999-12-31",
            "2026-02-30",
            "2026-1-01",
            "2026-01-0x",
            "2026/01/01",
            "",
        ] {
            assert_eq!(
                ymd::parse(s),
                NaiveDate::parse_from_str(s, "%Y-%m-%d")
                    .ok()
                    .filter(|_| s.len() == 10),
                "{s:?}"
            );
        }
    }

    #[test]
    fn dates() {
        let cases: &[(&str, bool)] = &[
            ("2026-02-28", true),
            ("2028-02-29", true),
            ("2026-02-30", false),
            ("2026-13-01", false),
            ("0000-01-01", false),
            ("26-01-01", false),
            ("2026-1-1", false),
            ("", false),
        ];
        for (input, ok) in cases {
            assert_eq!(parse_date(input).is_ok(), *ok, "{input:?}");
        }
    }

    /// A moment read digit by digit is the one chrono reads; what it does not read, chrono does.
    #[test]
    fn instants() {
        use chrono::{DateTime, Utc};
        let cases: &[(&str, bool)] = &[
            ("2026-03-04T09:00:00Z", true),
            ("2026-03-04T09:00:00.5Z", true),
            ("2026-03-04T09:00:00.123456789Z", true),
            ("2028-02-29T23:59:59Z", true),
            ("2026-03-04T09:00:00.1234567891Z", false),
            ("2026-03-04T09:00:00.Z", false),
            ("2026-02-30T09:00:00Z", false),
            ("2026-03-04T24:00:00Z", false),
            ("2026-03-04T09:60:00Z", false),
            ("2026-03-04T23:59:60Z", false),
            ("2026-03-04 09:00:00Z", false),
            ("2026-03-04T09:00:00+01:00", false),
            ("2026-03-04T09:0a:00Z", false),
            ("2026-03-04T09:00:00", false),
            ("", false),
        ];
        for (s, digit_by_digit) in cases {
            let fast = instant::parse(s);
            assert_eq!(fast.is_some(), *digit_by_digit, "{s:?}");
            if fast.is_some() {
                assert_eq!(fast, s.parse::<DateTime<Utc>>().ok(), "{s:?}");
            }
            let read: Result<DateTime<Utc>, _> =
                instant::deserialize(serde_json::Value::String(s.to_string()));
            assert_eq!(read.ok(), s.parse::<DateTime<Utc>>().ok(), "{s:?}");
        }
    }
}
