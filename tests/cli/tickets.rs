//! `import --from azure-tickets`: Microsoft's own ticket data in, as the support API and `az`
//! give it, every ticket by the rules of `incidents open` on its own day, all or nothing.

use std::process::Command;

use crate::support::{Env, run_command, w};
use pretty_assertions::assert_eq;
use serde_json::Value;

/// A file of `tickets` in the support API's list shape, named `name` in `env`'s folder.
fn ticket_list(env: &Env, name: &str, tickets: Vec<Value>) -> std::path::PathBuf {
    let file = env.dir().join(name);
    std::fs::write(&file, serde_json::json!({ "value": tickets }).to_string()).unwrap();
    file
}

/// The `hint:` line of a refused run.
fn hint_of(run: &crate::support::Run) -> String {
    run.stderr
        .lines()
        .find(|l| l.starts_with("hint:"))
        .unwrap_or_else(|| panic!("{}", run.stderr))
        .to_string()
}

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// Contoso with a Signature 5-pack (8000005) from 2026-06-15, and ticket 2609100010008 already
/// typed in by hand on 2026-09-10.
fn contoso_with_a_pack() -> Env {
    let env = Env::new();
    let on = |day: &str, line: &[&str]| {
        let mut cmd = env.cmd();
        cmd.args(["--as-of", day]).args(line);
        let run = run_command(&mut cmd);
        assert_eq!(run.code, 0, "{line:?}: {}", run.stderr);
    };
    on("2026-06-15", crate::support::INIT_CONTOSO);
    on(
        "2026-06-15",
        &["offer", "add", "silver", "--competency", "Data Analytics"],
    );
    on(
        "2026-06-15",
        &w(
            "activate silver-data-analytics/cloud-support --access-id ACC-SIG-5555 --contract-id 8000005",
        ),
    );
    on(
        "2026-09-10",
        &w("incidents open --scope cloud --title Certificate --case 2609100010008"),
    );
    env
}

fn at(env: &Env, day: &str, line: &[&str]) -> crate::support::Run {
    let mut cmd = env.cmd();
    cmd.args(["--as-of", day]).args(line);
    run_command(&mut cmd)
}

/// `import --from azure-tickets` with `args` (files, `--contract C`, `--json`) as of `day`.
fn import_at(env: &Env, day: &str, args: &[&str]) -> crate::support::Run {
    let mut all = vec!["import", "--from", "azure-tickets"];
    all.extend_from_slice(args);
    at(env, day, &all)
}

/// Runs `line` (split at spaces) as of `day`, which must succeed.
fn ok_at(env: &Env, day: &str, line: &str) -> crate::support::Run {
    let run = at(env, day, &w(line));
    assert_eq!(run.code, 0, "{line}: {}", run.stderr);
    run
}

/// Contoso on today's program from 2026-01-10 with `offer`, and its `benefit` activated on
/// 2026-01-12 as contract `id`.
fn contoso_on(offer: &str, benefit: &str, id: &str) -> Env {
    let env = Env::new();
    ok_at(
        &env,
        "2026-01-10",
        "init --partner-id 4012345 --name Contoso --account admin@contoso.com --role global-admin",
    );
    ok_at(
        &env,
        "2026-01-10",
        &format!("offer add {offer} --start 2026-01-10"),
    );
    ok_at(
        &env,
        "2026-01-12",
        &format!("activate {benefit} --access-id ACC-{id} --contract-id {id}"),
    );
    env
}

#[test]
fn each_ticket_is_a_cloud_incident_on_its_own_day_charged_to_the_plan_it_names() {
    let env = contoso_with_a_pack();
    let file = fixture("azure-tickets.json");
    // -n previews the whole import and writes nothing.
    let before = env.bytes();
    let preview = at(
        &env,
        "2026-09-30",
        &["-n", "import", "--from", "azure-tickets", &file],
    );
    assert_eq!(preview.code, 0, "{}", preview.stderr);
    assert!(
        preview.stdout.contains("skipped: not a partner plan"),
        "{}",
        preview.stdout
    );
    assert!(
        preview
            .stderr
            .contains("4 tickets recorded as incidents, 1 already recorded, 0 brought up to date with Azure, 3 skipped"),
        "{}",
        preview.stderr
    );
    assert!(
        preview.stderr.ends_with("dry run: nothing was written\n"),
        "{}",
        preview.stderr
    );
    assert!(env.bytes() == before);

    let run = at(
        &env,
        "2026-09-30",
        &["--json", "import", "--from", "azure-tickets", &file],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let doc = run.json();
    assert_eq!(
        (
            doc["charged"].clone(),
            doc["duplicates"].clone(),
            doc["skipped"].clone()
        ),
        (4.into(), 1.into(), 3.into())
    );
    let by_case = |case: &str| {
        doc["tickets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["case"] == case)
            .unwrap()
            .clone()
    };
    // The plan it names is the contract charged; the 2025 name of a 5-pack, which no contract
    // has, goes by the usual choice as of its day.
    for case in [
        "2606160010001",
        "2607010010002",
        "2607150010003",
        "2608010010004",
    ] {
        assert_eq!(by_case(case)["contract"], "8000005", "{case}");
        assert_eq!(by_case(case)["outcome"], "charged");
    }
    assert_eq!(by_case("2609100010008")["outcome"], "duplicate");
    assert_eq!(by_case("2609100010008")["incident"], "INC-0001");
    for case in ["2608050010005", "2608200010006", "2609010010007"] {
        assert_eq!(by_case(case)["outcome"], "skipped", "{case}");
    }
    // Billing and quota tickets may be refunded on closure.
    assert_eq!(by_case("2607150010003")["may_be_refunded"], true);
    assert_eq!(by_case("2608010010004")["may_be_refunded"], true);
    assert_eq!(by_case("2606160010001")["may_be_refunded"], false);

    // The incidents, as `incidents list` shows them: opened on the ticket's day, closed on its
    // last change when closed, with the case number.
    let list = at(&env, "2026-09-30", &w("--json incidents list --all")).json();
    let incident = |case: &str| -> Value {
        list["incidents"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["case_number"] == case)
            .unwrap_or_else(|| panic!("{case}: {list}"))
            .clone()
    };
    let aks = incident("2607010010002");
    assert_eq!(
        (
            aks["opened_on"].clone(),
            aks["closed_on"].clone(),
            aks["scope"].clone()
        ),
        ("2026-07-01".into(), "2026-07-08".into(), "cloud".into())
    );
    assert_eq!(incident("2606160010001")["closed_on"], Value::Null);
    // The pack is used up: 4 imported and the one typed in.
    let remaining = at(&env, "2026-09-30", &w("--json incidents remaining --all")).json();
    let pack = remaining["contracts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["contract_id"] == "8000005")
        .unwrap()
        .clone();
    assert_eq!(pack["remaining"], 0, "{pack}");
    // One change in the history.
    let last = env.history().last().unwrap().clone();
    assert_eq!(last["action"], "import azure-tickets");
    assert!(
        last["summary"].as_str().unwrap().starts_with(
            "imported 4 Azure support tickets from azure-tickets.json as INC-0002–INC-0005"
        ),
        "{last}"
    );

    // Again, and in the shape az prints: every ticket is already recorded; nothing is written.
    let before = env.bytes();
    for file in [
        fixture("azure-tickets.json"),
        fixture("azure-tickets-az.json"),
    ] {
        let again = at(
            &env,
            "2026-09-30",
            &["--json", "import", "--from", "azure-tickets", &file],
        )
        .json();
        assert_eq!(again["charged"], 0, "{again}");
    }
    assert!(env.bytes() == before);
}

#[test]
fn a_ticket_no_rule_lets_in_refuses_the_whole_import_and_contract_places_the_rest() {
    let env = contoso_with_a_pack();
    // One more charged ticket than the pack holds, on a later day.
    let mut doc: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("azure-tickets.json")).unwrap())
            .unwrap();
    let mut extra = doc["value"][0].clone();
    extra["properties"]["supportTicketId"] = "2609200010009".into();
    extra["properties"]["createdDate"] = "2026-09-20T10:00:00Z".into();
    doc["value"].as_array_mut().unwrap().push(extra);
    let file = env.dir().join("too-many.json");
    std::fs::write(&file, doc.to_string()).unwrap();
    let before = env.bytes();
    let run = at(
        &env,
        "2026-09-30",
        &["import", "--from", "azure-tickets", file.to_str().unwrap()],
    );
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("ticket 2609200010009 (opened 2026-09-20):"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("nothing was imported"),
        "{}",
        run.stderr
    );
    assert!(env.bytes() == before, "all or nothing");

    // --contract places the tickets on other plans, and those whose plan names no contract;
    // the tickets whose plan names a contract still go to it.
    let placed = contoso_with_a_pack();
    let ok = at(
        &placed,
        "2026-06-15",
        &w(
            "contract add --plan advanced --contract-id ADV-1 --access-id ADV-ACCESS-1 --incidents unlimited --scope cloud",
        ),
    );
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    let run = at(
        &placed,
        "2026-09-30",
        &[
            "--json",
            "import",
            "--from",
            "azure-tickets",
            "--contract",
            "ADV-1",
            &fixture("azure-tickets.json"),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let doc = run.json();
    let contracts: Vec<(String, String)> = doc["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["outcome"] == "charged")
        .map(|t| {
            (
                t["case"].as_str().unwrap().to_string(),
                t["contract"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let on = |contract: &str| contracts.iter().filter(|(_, c)| c == contract).count();
    // The 5-pack takes the tickets naming its plan by either name (renamed on 2025-06-23).
    assert_eq!(
        (on("8000005"), on("ADV-1"), doc["skipped"].as_u64()),
        (4, 3, Some(0)),
        "{contracts:?}"
    );

    // Bad files: exit 2, naming the ticket and field, nothing written.
    let bad = env.dir().join("bad.json");
    std::fs::write(
        &bad,
        r#"{"value": [{"properties": {"supportTicketId": "1", "createdDate": "soon"}}]}"#,
    )
    .unwrap();
    env.refused(
        &["import", "--from", "azure-tickets", bad.to_str().unwrap()],
        2,
        "ticket 1: createdDate `soon` is not a date",
    );
    env.refused(
        &["import", "--contract", "ADV-1", bad.to_str().unwrap()],
        2,
        "goes with `--from azure-tickets`",
    );
}

/// A ticket of `case` opened at `created` naming `plan`, in Azure's shape.
fn azure_ticket(case: &str, created: &str, plan: &str) -> Value {
    serde_json::json!({
        "name": format!("t-{case}"),
        "id": format!("/subscriptions/6d8f1c2e-0b4a-4e57-9c31-2f7a9e4b5c10/providers/Microsoft.Support/supportTickets/t-{case}"),
        "type": "Microsoft.Support/supportTickets",
        "properties": {
            "supportTicketId": case,
            "title": format!("Case {case}"),
            "description": "A case.",
            "problemClassificationDisplayName": "Cannot start or stop my VM",
            "severity": "moderate",
            "status": "Open",
            "createdDate": created,
            "modifiedDate": created,
            "serviceDisplayName": "Virtual Machine running Windows",
            "supportPlanType": "Partner",
            "supportPlanDisplayName": plan,
            "require24X7Response": false,
            "contactDetails": {
                "firstName": "Ana", "lastName": "Silva",
                "primaryEmailAddress": "admin@contoso.com",
                "preferredContactMethod": "email",
                "preferredTimeZone": "W. Europe Standard Time",
                "country": "PRT", "preferredSupportLanguage": "en-US"
            }
        }
    })
}

/// From its second year on, an organization has last year's pack and this year's under one
/// plan name: each ticket goes to the one usable on its day, whatever the other packs.
#[test]
fn each_ticket_goes_to_the_contract_of_its_plan_usable_on_its_day() {
    let env = Env::new();
    let on = |day: &str, line: &str| {
        ok_at(&env, day, line);
    };
    on(
        "2025-03-01",
        "init --partner-id 4012345 --name Contoso --account admin@contoso.com --role global-admin",
    );
    on(
        "2025-03-01",
        "offer add partner-success-expanded --start 2025-03-01",
    );
    on(
        "2025-03-05",
        "activate partner-success-expanded/cloud-support --access-id PSE-25 --contract-id 5500001",
    );
    on(
        "2025-03-01",
        "offer add solutions-partner --solution-area Security --start 2025-03-01",
    );
    on(
        "2025-03-06",
        "activate solutions-partner-security/cloud-support --access-id SPC-25 --contract-id 5600001",
    );
    on(
        "2026-03-05",
        "activate partner-success-expanded/cloud-support --access-id PSE-26 --contract-id 5500002",
    );
    on(
        "2026-03-06",
        "activate solutions-partner-security/cloud-support --access-id SPC-26 --contract-id 5600002",
    );
    let tickets = serde_json::json!({"value": [
        azure_ticket("2506010010001", "2025-06-01T10:00:00Z", "Partner Cloud Support 5"),
        azure_ticket("2605010010002", "2026-05-01T10:00:00Z", "Partner Cloud Support 5"),
        azure_ticket("2605020010003", "2026-05-02T10:00:00Z", "Partner Cloud Support 50"),
    ]});
    let file = env.dir().join("tickets.json");
    std::fs::write(&file, tickets.to_string()).unwrap();
    let run = import_at(&env, "2026-06-01", &["--json", file.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let placed: Vec<(String, String)> = run.json()["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["case"].as_str().unwrap().to_string(),
                t["contract"].as_str().unwrap_or("-").to_string(),
            )
        })
        .collect();
    assert_eq!(
        placed,
        [
            ("2506010010001".to_string(), "5500001".to_string()),
            ("2605010010002".to_string(), "5500002".to_string()),
            ("2605020010003".to_string(), "5600002".to_string()),
        ]
    );
    // A pack bought besides under the same name, on the same days: the import says which
    // contracts, and the hint, followed, places the ticket.
    let extra = at(
        &env,
        "2026-05-10",
        &[
            "contract",
            "add",
            "--plan",
            "custom",
            "--name",
            "Partner Cloud Support 5",
            "--contract-id",
            "EXTRA-5",
            "--access-id",
            "EXTRA-ACC-5",
            "--incidents",
            "5",
            "--scope",
            "cloud",
            "--start",
            "2026-05-10",
        ],
    );
    assert_eq!(extra.code, 0, "{}", extra.stderr);
    let more = serde_json::json!({"value": [
        azure_ticket("2605200010004", "2026-05-20T10:00:00Z", "Partner Cloud Support 5"),
    ]});
    let file = env.dir().join("more.json");
    std::fs::write(&file, more.to_string()).unwrap();
    let before = env.bytes();
    let refused = at(
        &env,
        "2026-06-01",
        &["import", "--from", "azure-tickets", file.to_str().unwrap()],
    );
    assert_eq!(refused.code, 3, "{}", refused.stderr);
    assert!(
        refused.stderr.contains(
            "ticket 2605200010004 (opened 2026-05-20): its plan `Partner Cloud Support 5` names contracts 5500002 and EXTRA-5 that ran on that day"
        ),
        "{}",
        refused.stderr
    );
    assert!(
        refused
            .stderr
            .contains("hint: `--contract 5500002` says which takes it"),
        "{}",
        refused.stderr
    );
    assert_eq!(env.bytes(), before, "nothing was imported");
    let placed = import_at(
        &env,
        "2026-06-01",
        &["--json", "--contract", "5500002", file.to_str().unwrap()],
    );
    assert_eq!(placed.code, 0, "{}", placed.stderr);
    assert_eq!(placed.json()["tickets"][0]["contract"], "5500002");
}

/// Seven tickets on a 5-pack: the refusal names the contract that could take the rest, and
/// following its hint imports them there.
#[test]
fn the_hint_of_a_full_pack_followed_imports_the_rest() {
    let env = contoso_on(
        "partner-success-expanded",
        "partner-success-expanded/cloud-support",
        "5500001",
    );
    ok_at(
        &env,
        "2026-01-12",
        "contract add --plan advanced --contract-id 3001 --access-id ADV-3001 --incidents unlimited --scope cloud",
    );
    let value: Vec<_> = (1..=7)
        .map(|n| {
            azure_ticket(
                &format!("26020{n}0010000"),
                &format!("2026-02-0{n}T10:00:00Z"),
                "Partner Cloud Support 5",
            )
        })
        .collect();
    let file = ticket_list(&env, "seven.json", value);
    let refused = at(
        &env,
        "2026-03-01",
        &["import", "--from", "azure-tickets", file.to_str().unwrap()],
    );
    assert_eq!(refused.code, 3, "{}", refused.stderr);
    let hint = hint_of(&refused);
    assert!(hint.contains("--contract 3001"), "{hint}");
    let placed = import_at(
        &env,
        "2026-03-01",
        &["--json", "--contract", "3001", file.to_str().unwrap()],
    );
    assert_eq!(placed.code, 0, "{}", placed.stderr);
    let contracts: Vec<String> = placed.json()["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["contract"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        contracts,
        [
            "5500001", "5500001", "5500001", "5500001", "5500001", "3001", "3001"
        ]
    );
}

/// At 22:48 in Los Angeles a ticket opened 30 minutes earlier is dated the next day in UTC: it
/// is today's. Two days ahead is still refused.
#[test]
fn an_evening_import_in_the_americas_takes_a_ticket_of_utc_tomorrow_as_todays() {
    let env = Env::new();
    let on = |day: &str, line: &str| {
        ok_at(&env, day, line);
    };
    on(
        "2026-06-01",
        "init --partner-id 4012345 --name Contoso --account admin@contoso.com --role global-admin",
    );
    on(
        "2026-06-01",
        "offer add partner-success-expanded --start 2026-06-01",
    );
    on(
        "2026-06-02",
        "activate partner-success-expanded/cloud-support --access-id PSE-26 --contract-id 5500001",
    );
    let evening = |file: &std::path::Path| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_partner-support"));
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("TZ", "America/Los_Angeles")
            // 2026-06-16 05:48 UTC: 22:48 on 2026-06-15 in Los Angeles.
            .env("SOURCE_DATE_EPOCH", "1781588880")
            .arg("--state")
            .arg(env.state())
            .args(["--json", "import", "--from", "azure-tickets"])
            .arg(file);
        run_command(&mut cmd)
    };
    let ticket = azure_ticket(
        "2606160010001",
        "2026-06-16T05:18:00Z",
        "Partner Cloud Support 5",
    );
    let file = ticket_list(&env, "evening.json", vec![ticket]);
    let run = evening(&file);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let incident = env
        .ok(&w("--as-of 2026-06-15 --json incidents show INC-0001"))
        .json();
    assert_eq!(incident["opened_on"], "2026-06-15", "{incident}");
    let far = azure_ticket(
        "2606170010002",
        "2026-06-17T05:18:00Z",
        "Partner Cloud Support 5",
    );
    let file = ticket_list(&env, "evening.json", vec![far]);
    let before = env.bytes();
    let run = evening(&file);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("after today (2026-06-15)"),
        "{}",
        run.stderr
    );
    assert_eq!(env.bytes(), before);
}

/// What a ticket says is kept: its contact opened it when that is a recorded account (else the
/// one importing, with the contact's address in the note), and its Azure service is its product.
#[test]
fn a_ticket_keeps_its_contact_and_its_service() {
    let env = contoso_on(
        "partner-success-expanded",
        "partner-success-expanded/cloud-support",
        "5500001",
    );
    ok_at(
        &env,
        "2026-01-10",
        "account add ben@contoso.com --role admin-agent",
    );
    let mut bens = azure_ticket(
        "2602010010001",
        "2026-02-01T10:00:00Z",
        "Partner Cloud Support 5",
    );
    bens["properties"]["contactDetails"]["primaryEmailAddress"] = "ben@contoso.com".into();
    let mut outside = azure_ticket(
        "2602020010002",
        "2026-02-02T10:00:00Z",
        "Partner Cloud Support 5",
    );
    outside["properties"]["contactDetails"]["primaryEmailAddress"] = "eve@fabrikam.example".into();
    outside["properties"]["serviceDisplayName"] = "Azure Kubernetes Service".into();
    let file = ticket_list(&env, "contacts.json", vec![bens, outside]);
    let run = at(
        &env,
        "2026-03-01",
        &["import", "--from", "azure-tickets", file.to_str().unwrap()],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let show = |id: &str| {
        env.ok(&["--as-of", "2026-03-01", "--json", "incidents", "show", id])
            .json()
    };
    let ben = show("INC-0001");
    assert_eq!(
        (&ben["opened_by"], &ben["product"], &ben["note"]),
        (
            &"ben@contoso.com".into(),
            &"Virtual Machine running Windows".into(),
            &Value::Null
        ),
        "{ben}"
    );
    let eve = show("INC-0002");
    assert_eq!(
        (&eve["opened_by"], &eve["product"], &eve["note"]),
        (
            &"admin@contoso.com".into(),
            &"Azure Kubernetes Service".into(),
            &"Azure ticket contact: eve@fabrikam.example".into()
        ),
        "{eve}"
    );
    // The report by account credits each person with their own.
    let by_account = env
        .ok(&w("--as-of 2026-03-01 --json report --by account"))
        .json();
    let keys: Vec<&str> = by_account["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["admin@contoso.com", "ben@contoso.com"]);
}

/// Importing the same list again, newer, is a sync: a ticket Azure closed since is closed on
/// its last change, one Azure reopened is reopened, and `-n` shows the same without writing.
#[test]
fn a_re_import_brings_each_recorded_ticket_up_to_date_with_azure() {
    let env = contoso_on(
        "solutions-partner --solution-area Security",
        "solutions-partner-security/cloud-support",
        "5600001",
    );
    let open_one = azure_ticket(
        "2602010010001",
        "2026-02-01T10:00:00Z",
        "Partner Cloud Support 50",
    );
    let mut closed_one = azure_ticket(
        "2602020010002",
        "2026-02-02T10:00:00Z",
        "Partner Cloud Support 50",
    );
    closed_one["properties"]["status"] = "Closed".into();
    closed_one["properties"]["modifiedDate"] = "2026-02-05T16:00:00Z".into();
    let file = ticket_list(
        &env,
        "week1.json",
        vec![open_one.clone(), closed_one.clone()],
    );
    let first = at(
        &env,
        "2026-02-06",
        &["import", "--from", "azure-tickets", file.to_str().unwrap()],
    );
    assert_eq!(first.code, 0, "{}", first.stderr);
    // A week later: the first closed on 2026-02-09, the second reopened.
    let mut now_closed = open_one;
    now_closed["properties"]["status"] = "Closed".into();
    now_closed["properties"]["modifiedDate"] = "2026-02-09T08:30:00Z".into();
    let mut reopened = closed_one;
    reopened["properties"]["status"] = "Open".into();
    reopened["properties"]["modifiedDate"] = "2026-02-11T08:30:00Z".into();
    let file = ticket_list(&env, "week2.json", vec![now_closed, reopened]);
    let before = env.bytes();
    let preview = at(
        &env,
        "2026-02-13",
        &[
            "-n",
            "import",
            "--from",
            "azure-tickets",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(preview.code, 0, "{}", preview.stderr);
    for said in ["closed INC-0001 on 2026-02-09", "reopened INC-0002"] {
        assert!(preview.stdout.contains(said), "{said}: {}", preview.stdout);
    }
    assert_eq!(env.bytes(), before, "-n writes nothing");
    let run = import_at(&env, "2026-02-13", &["--json", file.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let doc = run.json();
    assert_eq!(
        (&doc["synced"], &doc["charged"]),
        (&2.into(), &0.into()),
        "{doc}"
    );
    let show = |id: &str| {
        env.ok(&["--as-of", "2026-02-13", "--json", "incidents", "show", id])
            .json()
    };
    assert_eq!(show("INC-0001")["closed_on"], "2026-02-09");
    assert_eq!(show("INC-0002")["closed_on"], Value::Null);
    let history = env.ok(&w("--json history")).json().to_string();
    assert!(
        history.contains("closed INC-0001 on 2026-02-09, reopened INC-0002"),
        "{history}"
    );
    // The same list once more changes nothing.
    let before = env.bytes();
    let again = at(
        &env,
        "2026-02-13",
        &["import", "--from", "azure-tickets", file.to_str().unwrap()],
    );
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(env.bytes(), before);
}

/// A list past one page comes as several files: one import takes them all, all or nothing,
/// and the fields of API 2026-06-01 (`supportChannel: "Email"`, outside its own enum in
/// Microsoft's example) are read without a complaint.
#[test]
fn several_pages_are_one_import() {
    let env = contoso_on(
        "solutions-partner --solution-area Security",
        "solutions-partner-security/cloud-support",
        "5600001",
    );
    let mut first = azure_ticket(
        "2602010010001",
        "2026-02-01T10:00:00Z",
        "Partner Cloud Support 50",
    );
    first["properties"]["supportChannel"] = "Email".into();
    first["properties"]["secondaryConsent"] =
        serde_json::json!([{"userConsent": "Yes", "type": "DatabricksDataCollection"}]);
    let second = azure_ticket(
        "2602020010002",
        "2026-02-02T10:00:00Z",
        "Partner Cloud Support 50",
    );
    let p1 = env.dir().join("p1.json");
    std::fs::write(&p1, serde_json::json!({ "value": [first], "nextLink": "https://management.azure.com/next?page=2" }).to_string()).unwrap();
    let p2 = ticket_list(&env, "p2.json", vec![second]);
    let run = at(
        &env,
        "2026-03-01",
        &[
            "--json",
            "import",
            "--from",
            "azure-tickets",
            p1.to_str().unwrap(),
            p2.to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["charged"], 2);
    assert!(
        !run.stderr.contains("nextLink"),
        "every page was named: {}",
        run.stderr
    );
    // Two files without --from azure-tickets: refused, naming the second.
    let before = env.bytes();
    env.refused(
        &["import", p1.to_str().unwrap(), p2.to_str().unwrap()],
        2,
        "several files go with `--from azure-tickets`",
    );
    assert_eq!(env.bytes(), before);
}

/// Billing, quota and subscription tickets are charged as Microsoft charges them and listed as
/// refund candidates (information) until a refund is recorded or they are dismissed; a ticket
/// filed under no subscription is a billing one.
#[test]
fn billing_tickets_are_refund_candidates_until_refunded_or_dismissed() {
    let env = contoso_on(
        "solutions-partner --solution-area Security",
        "solutions-partner-security/cloud-support",
        "5600001",
    );
    let on = |day: &str, line: &str| ok_at(&env, day, line);
    let mut billing = azure_ticket(
        "2602010010001",
        "2026-02-01T10:00:00Z",
        "Partner Cloud Support 50",
    );
    billing["properties"]["serviceDisplayName"] = "Billing".into();
    let mut tenant = azure_ticket(
        "2602020010002",
        "2026-02-02T10:00:00Z",
        "Partner Cloud Support 50",
    );
    tenant["id"] = "/providers/Microsoft.Support/supportTickets/t-2602020010002".into();
    let technical = azure_ticket(
        "2602030010003",
        "2026-02-03T10:00:00Z",
        "Partner Cloud Support 50",
    );
    let file = ticket_list(&env, "mixed.json", vec![billing, tenant, technical]);
    on(
        "2026-02-05",
        &format!("import --from azure-tickets {}", file.display()),
    );
    let candidates = |day: &str| -> Vec<String> {
        let check = at(&env, day, &w("--json check --exit-zero")).json();
        check["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["code"] == "refund-candidate")
            .map(|f| {
                assert_eq!(f["severity"], "info", "{f}");
                f["incident"].as_str().unwrap().to_string()
            })
            .collect()
    };
    assert_eq!(candidates("2026-02-05"), ["INC-0001", "INC-0002"]);
    let text = at(&env, "2026-02-05", &w("check")).stdout;
    assert!(
        text.contains(
            "`partner-support incidents refund INC-0001 --reason other` when Microsoft does"
        ),
        "{text}"
    );
    on("2026-02-20", "incidents refund INC-0001 --reason other");
    let dismissed = on("2026-02-20", "--json incidents not-refunded INC-0002").json();
    assert_eq!(dismissed["refund_candidate"], false);
    assert!(candidates("2026-02-20").is_empty());
    env.refused(
        &w("--as-of 2026-02-20 incidents not-refunded INC-0003"),
        2,
        "INC-0003 is not listed as a refund candidate",
    );
}

/// The body of the `200` response of one of Microsoft's own examples, kept verbatim in
/// `tests/fixtures/azure-rest-api-specs/` (its README names where each comes from).
fn microsoft_example(name: &str) -> Value {
    let text = std::fs::read_to_string(fixture(&format!("azure-rest-api-specs/{name}"))).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    doc["responses"]["200"]["body"].clone()
}

/// The tickets of a body: a list's `value`, or the body itself when it is one ticket.
fn tickets_of(body: &mut Value) -> Vec<&mut Value> {
    if body.get("value").is_some() {
        body["value"].as_array_mut().unwrap().iter_mut().collect()
    } else {
        vec![body]
    }
}

/// Microsoft's own example bodies, as the support API returns them, are read whole: each of
/// their tickets is on a Premier plan, so each is skipped and counted, and nothing is charged.
#[test]
fn microsofts_own_example_bodies_are_read_and_their_premier_tickets_skipped() {
    let env = contoso_on(
        "partner-success-expanded",
        "partner-success-expanded/cloud-support",
        "5500001",
    );
    for (name, tickets) in [
        ("ListSupportTickets.json", 2),
        ("ListSupportTicketsInUpdatingStateBySubscription.json", 2),
        ("CreateBillingSupportTicket.json", 1),
    ] {
        let file = env.dir().join(name);
        std::fs::write(&file, microsoft_example(name).to_string()).unwrap();
        let run = at(
            &env,
            "2026-03-01",
            &[
                "--json",
                "import",
                "--from",
                "azure-tickets",
                file.to_str().unwrap(),
            ],
        );
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        let doc = run.json();
        assert_eq!(
            (doc["charged"].clone(), doc["skipped"].clone()),
            (0.into(), tickets.into()),
            "{name}: {doc}"
        );
        for ticket in doc["tickets"].as_array().unwrap() {
            assert_eq!(ticket["outcome"], "skipped", "{name}: {ticket}");
        }
    }
    let remaining = at(&env, "2026-03-01", &w("--json incidents remaining")).json();
    assert_eq!(remaining["contracts"][0]["used"], 0, "{remaining}");
}

/// The same bodies as a partner's tickets (its plan, its year): the technical ticket is
/// charged with its service as product and its contact kept; the subscription-management one
/// and the billing one are refund candidates; a list of the same cases again, in Microsoft's
/// `Updating` state, charges nothing twice.
#[test]
fn microsofts_example_tickets_under_a_partner_plan_are_recorded_as_they_say() {
    let env = contoso_on(
        "partner-success-expanded",
        "partner-success-expanded/cloud-support",
        "5500001",
    );
    let as_partners = |name: &str, created: &str| -> std::path::PathBuf {
        let mut body = microsoft_example(name);
        for ticket in tickets_of(&mut body) {
            let props = &mut ticket["properties"];
            props["supportPlanType"] = "Partner".into();
            props["supportPlanDisplayName"] = "Partner Cloud Support 5".into();
            props["createdDate"] = created.into();
            props["modifiedDate"] = created.into();
        }
        let file = env.dir().join(format!("partner-{name}"));
        std::fs::write(&file, body.to_string()).unwrap();
        file
    };
    let list = as_partners("ListSupportTickets.json", "2026-02-03T21:36:18Z");
    let run = at(
        &env,
        "2026-02-04",
        &[
            "--json",
            "import",
            "--from",
            "azure-tickets",
            list.to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["charged"], 2, "{}", run.stdout);
    let show = |id: &str| {
        env.ok(&["--as-of", "2026-02-04", "--json", "incidents", "show", id])
            .json()
    };
    // Tickets of one day are numbered in the order of their case numbers.
    let vm = show("INC-0002");
    assert_eq!(
        (
            &vm["case_number"],
            &vm["title"],
            &vm["product"],
            &vm["opened_on"],
            &vm["opened_by"],
            &vm["note"]
        ),
        (
            &"119120321001170".into(),
            &"my title".into(),
            &"Virtual Machine running Linux".into(),
            &"2026-02-03".into(),
            &"admin@contoso.com".into(),
            &"Azure ticket contact: abc@contoso.com".into()
        ),
        "{vm}"
    );
    assert_eq!(show("INC-0001")["product"], "Subscription management");

    // Filed under no subscription, both are refund candidates (Microsoft takes only billing
    // and subscription tickets there).
    let candidates = || -> Vec<String> {
        let check = at(&env, "2026-02-04", &w("--json check --exit-zero")).json();
        check["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["code"] == "refund-candidate")
            .map(|f| f["incident"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(candidates(), ["INC-0001", "INC-0002"]);

    // The same cases listed for a subscription, in the `Updating` state: still open, already
    // recorded, nothing charged twice or written.
    let before = env.bytes();
    let updating = as_partners(
        "ListSupportTicketsInUpdatingStateBySubscription.json",
        "2026-02-03T21:36:18Z",
    );
    let again = at(
        &env,
        "2026-02-05",
        &[
            "--json",
            "import",
            "--from",
            "azure-tickets",
            updating.to_str().unwrap(),
        ],
    );
    assert_eq!(again.code, 0, "{}", again.stderr);
    let doc = again.json();
    assert_eq!(
        (doc["charged"].clone(), doc["duplicates"].clone()),
        (0.into(), 2.into()),
        "{doc}"
    );
    assert!(
        env.bytes() == before,
        "an import that records nothing writes nothing"
    );

    // Microsoft's billing example, one ticket on its own, in a later week: a new case number
    // (its example reuses the first one's), charged and a refund candidate.
    let billing = as_partners("CreateBillingSupportTicket.json", "2026-02-10T08:00:00Z");
    let mut body: Value =
        serde_json::from_str(&std::fs::read_to_string(&billing).unwrap()).unwrap();
    body["properties"]["supportTicketId"] = "2602100010003".into();
    std::fs::write(&billing, body.to_string()).unwrap();
    ok_at(
        &env,
        "2026-02-11",
        &format!("import --from azure-tickets {}", billing.display()),
    );
    let third = env
        .ok(&w("--as-of 2026-02-11 --json incidents show INC-0003"))
        .json();
    assert_eq!(
        (&third["product"], &third["refund_candidate"]),
        (&"Billing".into(), &true.into()),
        "{third}"
    );
    let shown = env
        .ok(&w("--as-of 2026-02-11 incidents show INC-0003"))
        .stdout;
    assert!(
        shown.contains("not yet: a billing, quota or subscription ticket"),
        "{shown}"
    );
    // Once refunded, the row says when and why instead.
    ok_at(
        &env,
        "2026-02-20",
        "incidents refund INC-0003 --reason other",
    );
    let refunded = env
        .ok(&w("--as-of 2026-02-20 --json incidents show INC-0003"))
        .json();
    assert_eq!(
        (&refunded["refunded"], &refunded["refund_candidate"]),
        (&true.into(), &false.into())
    );
}

/// Every hint a refused import prints leads somewhere: none asks to leave out a `--contract`
/// that was not given, one that is about the day names the day, and each, followed, imports.
#[test]
fn each_hint_of_a_refused_import_followed_imports() {
    let env = contoso_on(
        "solutions-partner --solution-area Security",
        "solutions-partner-security/cloud-support",
        "5600001",
    );
    ok_at(
        &env,
        "2026-01-12",
        "activate solutions-partner-security/on-premises-support --access-id ACC-5600002 --contract-id 5600002",
    );
    // An Azure ticket is a cloud one: naming the on-premises plan, its contract cannot take it.
    let file = ticket_list(
        &env,
        "on-prem-plan.json",
        vec![azure_ticket(
            "2602010010001",
            "2026-02-01T10:00:00Z",
            "Partner On-premises Support 20",
        )],
    );
    let before = env.bytes();
    let refused = import_at(&env, "2026-02-02", &[file.to_str().unwrap()]);
    assert_eq!(refused.code, 3, "{}", refused.stderr);
    assert_eq!(env.bytes(), before);
    let hint = hint_of(&refused);
    assert!(!hint.contains("leave out"), "{hint}");
    assert!(hint.contains("pass `--contract 5600001`"), "{hint}");
    let placed = import_at(
        &env,
        "2026-02-02",
        &["--json", "--contract", "5600001", file.to_str().unwrap()],
    );
    assert_eq!(placed.code, 0, "{}", placed.stderr);
    assert_eq!(placed.json()["tickets"][0]["contract"], "5600001");

    // A ticket Azure created two days after the day the import is dated: the hint names the
    // first day it can be imported, and nothing about contracts.
    let later = ticket_list(
        &env,
        "later.json",
        vec![azure_ticket(
            "2602100010002",
            "2026-02-10T09:00:00Z",
            "Partner Cloud Support 50",
        )],
    );
    let before = env.bytes();
    let early = import_at(&env, "2026-02-08", &[later.to_str().unwrap()]);
    assert_eq!(early.code, 2, "{}", early.stderr);
    assert_eq!(env.bytes(), before);
    let hint = hint_of(&early);
    assert!(!hint.contains("--contract"), "{hint}");
    assert!(hint.contains("2026-02-09"), "{hint}");
    let on_time = import_at(&env, "2026-02-09", &[later.to_str().unwrap()]);
    assert_eq!(on_time.code, 0, "{}", on_time.stderr);
}
