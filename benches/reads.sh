#!/usr/bin/env bash
# Benchmark (not a test): the reads people wait on, at 100,000 applications: the list pages
# (API and page, filtered, searched by number and by name), the review queue and the
# dashboard. Prints each path's p50/p99 as the service timed it (Server-Timing) and as the
# client saw it over loopback.
#
#   benches/reads.sh [APPLICATIONS] [SECONDS]     # default 100000, 20 s
#
# Goals (issue 17): server p50 < 5 ms, p99 < 25 ms for every path.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-100000}"
SECONDS_RUN="${2:-20}"
source benches/common.sh
bench_start gt_bench demo
CASEWORKER=$(bench_token caseworker)
BOARD=$(bench_token board_member)

echo "loading $N applications (households, members, fee lines, history)…"
start=$(date +%s.%N)
psql -X -q "$DATABASE_URL" <<SQL
SET session_replication_role = replica;
CREATE TEMP TABLE g AS SELECT g AS n FROM generate_series(1, $N) g;
-- The demo's rows stay as they are; the new ones come after this id.
CREATE TEMP TABLE mark AS SELECT coalesce(max(id), 0) AS last FROM households;
INSERT INTO households (name, name_ko, phone, preferred_language, address_line1, city, state,
                        postal_code, size, annual_income, created_by, created_at)
-- Names as Korean names are: ten family names, given names of two syllables from fifteen,
-- so one name is shared by about 45 families (what a name search finds).
SELECT (ARRAY['Kim', 'Lee', 'Park', 'Choi', 'Jung', 'Kang', 'Cho', 'Yoon', 'Jang', 'Lim'])[n % 10 + 1] || ' '
         || (ARRAY['Min', 'Jun', 'Seo', 'Ji', 'Woo', 'Ha', 'Yun', 'Do', 'Hyun', 'Soo', 'Hee', 'Young', 'Jae', 'Sung', 'Eun'])[n / 10 % 15 + 1]
         || lower((ARRAY['Min', 'Jun', 'Seo', 'Ji', 'Woo', 'Ha', 'Yun', 'Do', 'Hyun', 'Soo', 'Hee', 'Young', 'Jae', 'Sung', 'Eun'])[n / 150 % 15 + 1]),
       (ARRAY['김', '이', '박', '최', '정', '강', '조', '윤', '장', '임'])[n % 10 + 1]
         || (ARRAY['민', '준', '서', '지', '우', '하', '윤', '도', '현', '수', '희', '영', '재', '성', '은'])[n / 10 % 15 + 1]
         || (ARRAY['민', '준', '서', '지', '우', '하', '윤', '도', '현', '수', '희', '영', '재', '성', '은'])[n / 150 % 15 + 1],
       '(213) ' || lpad((2000000 + n)::text, 7, '0'), 'ko', n || ' Wilshire Blvd', 'Los Angeles', 'CA', '90010',
       1 + n % 6, 20000 + n % 50000, (SELECT min(id) FROM users), now() - (n % 700) * interval '1 day'
FROM g;
INSERT INTO household_members (household_id, name, relationship, birth_year)
SELECT h.id, h.name, 'self', 1940 + h.id % 60 FROM households h WHERE h.id > (SELECT last FROM mark);
INSERT INTO applications (number, household_id, site_id, program, status, requested_amount,
                          emergency_category, emergency_story, created_by, created_at, updated_at, submitted_at)
SELECT 'CEF-2025-' || lpad(row_number() OVER (ORDER BY h.id)::text, 6, '0'), h.id,
       (SELECT id FROM sites ORDER BY id OFFSET h.id % 3 LIMIT 1),
       CASE WHEN h.id % 4 = 0 THEN 'emergency' ELSE 'immigration_fee' END,
       -- Most of a fund's applications are long finished; the month's are open (1 in 100).
       CASE WHEN h.id % 400 < 4 THEN (ARRAY['draft', 'submitted', 'eligible', 'needs_review'])[h.id % 400 + 1]
            ELSE (ARRAY['withdrawn', 'ineligible', 'denied'])[h.id % 3 + 1] END,
       CASE WHEN h.id % 4 = 0 THEN 1200.00 ELSE 760.00 END,
       CASE WHEN h.id % 4 = 0 THEN 'eviction' END,
       CASE WHEN h.id % 4 = 0 THEN '집주인이 퇴거 통지를 보냈습니다' END,
       (SELECT min(id) FROM users), h.created_at, h.created_at, h.created_at + interval '1 hour'
FROM households h WHERE h.id > (SELECT last FROM mark);
INSERT INTO fee_lines (application_id, line_no, form, filing, beneficiary_member_id, amount, uscis_fee_id)
SELECT a.id, 1, 'N-400', 'paper', m.id, 760.00,
       (SELECT id FROM uscis_fees WHERE form = 'N-400' AND filing = 'paper' ORDER BY effective_from DESC LIMIT 1)
FROM applications a JOIN household_members m ON m.household_id = a.household_id
WHERE a.number LIKE 'CEF-2025-%' AND a.program = 'immigration_fee';
INSERT INTO fee_line_components (fee_line_id, seq, kind, name, fee, statutory, waivable, uscis_fee_id)
SELECT l.id, 1, 'regular', 'N-400', 760.00, false, true, l.uscis_fee_id
FROM fee_lines l JOIN applications a ON a.id = l.application_id WHERE a.number LIKE 'CEF-2025-%';
INSERT INTO status_changes (application_id, from_status, to_status, changed_by, changed_at)
SELECT a.id, NULL, 'draft', a.created_by, a.created_at FROM applications a WHERE a.number LIKE 'CEF-2025-%';
-- Triggers were off while loading: the dashboard's tallies get the new rows now.
INSERT INTO application_tallies
SELECT a.site_id, a.status, a.program, count(*) FROM applications a
JOIN households h ON h.id = a.household_id WHERE h.id > (SELECT last FROM mark) GROUP BY 1, 2, 3;
SET session_replication_role = origin;
VACUUM ANALYZE;
SQL
printf 'loaded in %.1f s: %s applications\n' "$(echo "$(date +%s.%N) - $start" | bc)" \
    "$(psql -X -At "$DATABASE_URL" -c 'SELECT count(*) FROM applications')"
bench_service_start gt_bench

CW_PATHS=(
    "/api/v1/applications"
    "/api/v1/applications?status=submitted"
    "/api/v1/applications?site=CHI&program=emergency"
    "/api/v1/applications?q=2025-042170"
    "/api/v1/applications?q=Park%20Minjun"
    "/api/v1/applications?q=%EB%B0%95"
    "/api/v1/households?q=Choi%20Hasoo"
    "/api/v1/dashboard"
    "/applications"
    "/applications?q=2025-04217"
    "/"
)
BOARD_PATHS=("/api/v1/review/queue" "/review")
echo "warming up…"
$LOAD reads "$BASE" "$CASEWORKER" 3 2 "${CW_PATHS[@]}" > /dev/null
echo "caseworker, 2 clients, $SECONDS_RUN s:"
$LOAD reads "$BASE" "$CASEWORKER" "$SECONDS_RUN" 2 "${CW_PATHS[@]}" | grep -v '^RESULT'
echo "board member, 2 clients, $((SECONDS_RUN / 2)) s:"
$LOAD reads "$BASE" "$BOARD" "$((SECONDS_RUN / 2))" 2 "${BOARD_PATHS[@]}" | grep -v '^RESULT'
