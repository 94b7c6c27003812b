#!/usr/bin/env sh
# Rebuilds examples/contoso.json through the command line itself, one dated step at a time.
# Usage: examples/make-contoso.sh [PATH-TO-BINARY]   (default: target/release/partner-support)
set -eu
bin=${1:-target/release/partner-support}
out=$(dirname "$0")/contoso.json
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Each change is stamped at 09:00 UTC on its as-of day (SOURCE_DATE_EPOCH), so the same script
# writes the same bytes: a one-line change here is a one-line change in the files.
ps() {
  day=$1; shift
  SOURCE_DATE_EPOCH=$(date -u -d "$day 09:00" +%s) \
    "$bin" --state "$tmp/state.json" --as-of "$day" -q "$@"
}

# Legacy Action Pack years, bought while Microsoft still sold them (until 2025-01-21).
ps 2024-03-01 init --partner-id 4012345 --name "Contoso Ltd" --account admin@contoso.com --role global-admin
ps 2024-03-01 account add mpn@contoso.com --role mpn-partner-admin
ps 2024-03-01 account add tech@contoso.com --role admin-agent
ps 2024-03-01 account add agent@contoso.com --role admin-agent --csp-only
ps 2024-03-01 account add engineer@outlook.com --msa
ps 2024-03-01 offer add action-pack --start 2024-03-01 --end 2025-02-28
ps 2025-01-10 offer renew action-pack
ps 2025-03-01 activate action-pack/product-support --access-id MAPS-ACC-41B7-9C20 --contract-id 6000010
ps 2025-05-12 incidents open --scope on-premises --product "Windows Server 2022" --title "Cluster validation fails on shared disk" --case 2505120040001
ps 2025-05-20 incidents close INC-0001
ps 2025-09-03 --as engineer@outlook.com incidents open --scope on-premises --product "SQL Server 2022" --title "Always On listener unreachable after patch"
ps 2025-09-10 incidents close INC-0002

# Today's program from 2026-02-01: a Solutions Partner designation and Partner Success Expanded.
ps 2026-02-01 catalog use ai-cloud-partner-program
ps 2026-02-01 offer add solutions-partner --solution-area "Infrastructure (Azure)" --start 2026-02-01
ps 2026-02-01 offer add partner-success-expanded --start 2026-02-01
ps 2026-02-01 activate solutions-partner-infrastructure-azure/on-premises-support
ps 2026-02-04 activate solutions-partner-infrastructure-azure/on-premises-support --access-id SPO-ACC-7F3A-1188 --contract-id 7000001 --start 2026-02-01
ps 2026-02-04 activate partner-success-expanded/cloud-support --access-id PSE-ACC-9B41-0C7D --contract-id 8000005 --start 2026-02-01
ps 2026-02-04 contract link 7000001 --account engineer@outlook.com
ps 2026-03-02 incidents open --scope on-premises --product "Exchange Server SE" --title "Mail flow stops after CU1" --case 2603020010001
ps 2026-03-09 incidents close INC-0003
ps 2026-04-14 --as engineer@outlook.com incidents open --scope on-premises --product "SharePoint Server Subscription Edition" --title "Search crawl stuck at 99%"
ps 2026-05-06 incidents open --scope on-premises --product "SQL Server 2022" --title "Backup to URL fails with 403" --note "Storage account firewall blocks the SQL host; engineer asked for a network trace"
ps 2026-05-08 incidents refund INC-0005 --reason product-bug
ps 2026-06-18 incidents open --scope cloud --product "Azure Kubernetes Service" --title "Node pool upgrade hangs"
ps 2026-06-18 incidents void INC-0006 --reason "typed twice: the case is INC-0009"
for n in 1 2 3 4 5; do
  ps 2026-0$((n + 3))-1$n incidents open --scope cloud --contract 8000005 --product "Power BI" --title "Gateway refresh failure #$n"
done
ps 2026-08-20 incidents refund INC-0008 --reason duplicate
ps 2026-09-05 incidents open --scope cloud --contract 8000005 --product "Power BI" --title "Gateway refresh failure #6"
ps 2026-08-11 --as agent@contoso.com incidents open --scope cloud --csp-customer fabrikam.onmicrosoft.com --title "Customer VM will not start"
ps 2026-09-01 contract add --plan custom --contract-id RESELLER-26 --access-id RSL-ACC-6620-AA31 --incidents 6 --scope on-premises --start 2025-12-16 --end 2026-12-15 --name "Distributor escalation pack"
for n in 1 2 3 4; do
  ps 2026-09-1$n incidents open --scope on-premises --contract RESELLER-26 --product "Dynamics 365 Business Central on-premises" --title "Posting error $n"
done
ps 2026-10-01 contract add --plan premier --contract-id PREM-2027 --access-id PREM-ACC-0D19-77E2 --incidents 40 --scope both --start 2027-01-01
ps 2026-11-10 activate solutions-partner-infrastructure-azure/cloud-support
ps 2026-11-20 incidents open --scope on-premises --product "Exchange Server SE" --title "Hybrid free/busy fails" --case 2611200010003
cp "$tmp/state.json" "$out"
cp "$tmp/state.history.jsonl" "$(dirname "$0")/contoso.history.jsonl"
echo "wrote $out and its history log"
