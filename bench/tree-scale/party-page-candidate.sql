-- Issue 14, a candidate for the party branch of a list page (measured by hand, bench/README.md
-- "Issue 14"): party rows that carry their record's creation time and type, so the records a
-- subtree is party to are read newest first from one index alone, like records_owner_path.
-- Built in schema party_candidates of trellis_scale from the loaded record_parties.
-- Build: psql -h 127.0.0.1 -U postgres -d trellis_scale -f tree-scale/party-page-candidate.sql
-- Then time a page with psql variables (party-page-candidate-page.sql).
create schema if not exists party_candidates;
drop table if exists party_candidates.party_page;
create table party_candidates.party_page as
  select p.record_id, p.party, p.user_path, r.created_at as record_created_at, r.entity_type_id
  from record_parties p join records r on r.id = p.record_id;
-- Range read of a subtree's party rows, newest record first (small subtrees).
create index party_page_path on party_candidates.party_page
  (user_path collate "C", record_created_at desc, record_id desc) include (party, entity_type_id);
-- Index-only probe of one record's parties (a walk over records, large subtrees).
create index party_page_record on party_candidates.party_page (record_id) include (party, user_path);
vacuum (analyze) party_candidates.party_page;
