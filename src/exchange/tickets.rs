//! Azure support tickets as the support API returns a list of them
//! (`{"value": [{"name", "id", "properties": {...}}], "nextLink"}`, Microsoft.Support in
//! Azure/azure-rest-api-specs) and as `az support in-subscription tickets list` prints them
//! (an array of the same properties, flattened), read into plain tickets.

use chrono::NaiveDate;
use serde_json::Value;

use crate::domain::tickets::Ticket;
use crate::domain::values::{Id, Text};

/// What a file of tickets holds: the tickets, and the link to the next page when the list
/// was cut there.
#[derive(Debug)]
pub struct TicketFile {
    /// Every ticket in the file.
    pub tickets: Vec<Ticket>,
    /// `nextLink`, when the API had more to give.
    pub next_link: Option<String>,
}

/// A date-time of the API (`2026-03-02T08:15:00Z`, with or without its zone) as its UTC day.
fn day(text: &str) -> Option<NaiveDate> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&chrono::Utc).date_naive());
    }
    crate::domain::values::parse_date(text.get(..10)?).ok()
}

/// A title fit to keep: control and invisible characters become spaces, at most 200
/// characters; a ticket without a usable one is called by its case number.
fn title(raw: Option<&str>, case: &Id) -> Text {
    let cleaned: String = raw
        .unwrap_or_default()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let words: Vec<&str> = cleaned.split_whitespace().collect();
    let short: String = words.join(" ").chars().take(200).collect();
    short.parse().unwrap_or_else(|_| {
        format!("Azure support ticket {case}")
            .parse()
            .expect("plain text")
    })
}

/// Reads a file of tickets in either shape; `Err` names the ticket and the field at fault.
pub fn parse(text: &str) -> Result<TicketFile, String> {
    let doc: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let (items, next_link) = match &doc {
        Value::Array(items) => (items.clone(), None),
        Value::Object(o) if o.get("value").is_some_and(Value::is_array) => (
            o["value"].as_array().cloned().unwrap_or_default(),
            o.get("nextLink")
                .and_then(Value::as_str)
                .map(str::to_string),
        ),
        Value::Object(o) if o.contains_key("properties") || o.contains_key("supportTicketId") => {
            (vec![doc.clone()], None)
        }
        _ => {
            return Err(
                "expected the support API's list (`{\"value\": [...]}`) or the array `az support in-subscription tickets list` prints".into(),
            );
        }
    };
    let mut tickets = Vec::with_capacity(items.len());
    for (n, item) in items.iter().enumerate() {
        let props = item
            .get("properties")
            .filter(|p| p.is_object())
            .unwrap_or(item);
        let field = |name: &str| {
            props
                .get(name)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
        };
        let which = format!("ticket {}", n + 1);
        let case_text = match props.get("supportTicketId") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => return Err(format!("{which}: no supportTicketId")),
        };
        let case: Id = case_text.parse().map_err(|e| {
            format!("{which}: supportTicketId `{case_text}` is not a case number: {e}")
        })?;
        let which = format!("ticket {case}");
        let created = field("createdDate").ok_or_else(|| format!("{which}: no createdDate"))?;
        let opened_on = day(created)
            .ok_or_else(|| format!("{which}: createdDate `{created}` is not a date"))?;
        let closed = field("status").is_some_and(|s| s.eq_ignore_ascii_case("closed"));
        let closed_on = match (closed, field("modifiedDate")) {
            (false, _) => None,
            (true, Some(m)) => {
                Some(day(m).ok_or_else(|| format!("{which}: modifiedDate `{m}` is not a date"))?)
            }
            (true, None) => Some(opened_on),
        };
        tickets.push(Ticket {
            title: title(field("title"), &case),
            case,
            opened_on,
            closed_on,
            plan: field("supportPlanDisplayName").map(str::to_string),
            plan_type: field("supportPlanType").map(str::to_string),
            service: field("serviceDisplayName").map(str::to_string),
            problem: field("problemClassificationDisplayName").map(str::to_string),
            contact: props
                .get("contactDetails")
                .and_then(|c| c.get("primaryEmailAddress"))
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string),
            no_subscription: item
                .get("id")
                .and_then(Value::as_str)
                .is_some_and(|id| !id.to_lowercase().contains("/subscriptions/")),
        });
    }
    Ok(TicketFile { tickets, next_link })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_shapes_read_the_same_tickets() {
        let api = r#"{"value": [{"name": "t1", "id": "/subscriptions/s/providers/Microsoft.Support/supportTickets/t1",
            "properties": {"supportTicketId": "2603020010001", "title": "VM\u0007 will   not start",
            "createdDate": "2026-03-02T23:15:00-05:00", "modifiedDate": "2026-03-09T10:00:00Z", "status": "Closed",
            "supportPlanDisplayName": "Partner Signature 5pack"}}], "nextLink": "https://management.azure.com/next"}"#;
        let az = r#"[{"name": "t1", "supportTicketId": "2603020010001", "title": "VM\u0007 will   not start",
            "createdDate": "2026-03-02T23:15:00-05:00", "modifiedDate": "2026-03-09T10:00:00Z", "status": "Closed",
            "supportPlanDisplayName": "Partner Signature 5pack"}]"#;
        let a = parse(api).unwrap();
        let b = parse(az).unwrap();
        assert_eq!(a.tickets, b.tickets);
        assert_eq!(
            a.next_link.as_deref(),
            Some("https://management.azure.com/next")
        );
        let t = &a.tickets[0];
        // 23:15 in New York is the next day in UTC.
        assert_eq!(
            (t.opened_on, t.closed_on),
            (
                NaiveDate::from_ymd_opt(2026, 3, 3).unwrap(),
                NaiveDate::from_ymd_opt(2026, 3, 9)
            )
        );
        assert_eq!(t.title.as_str(), "VM will not start");
        for (bad, why) in [
            (
                r#"{"value": [{"properties": {"title": "x"}}]}"#,
                "ticket 1: no supportTicketId",
            ),
            (
                r#"[{"supportTicketId": "a b", "createdDate": "2026-01-01"}]"#,
                "is not a case number",
            ),
            (
                r#"[{"supportTicketId": "1", "createdDate": "March"}]"#,
                "createdDate `March` is not a date",
            ),
            (r#"{"tickets": []}"#, "expected the support API's list"),
        ] {
            let err = parse(bad).unwrap_err();
            assert!(err.contains(why), "{err}");
        }
    }
}
