-- A first page of 50 (+1) for a subtree, union-shaped, on party_candidates.party_page
-- (party-page-candidate.sql): the owner branch as records.list reads it today, and the party
-- branch, each limited, then merged. The party branch in one of two shapes (walk_parties):
-- false: the subtree's party rows read by path range, newest record first, from one index;
-- true: all records walked newest first, each probed for a party in the subtree (index only;
-- for large subtrees only: for a small one it walks all 10M records).
-- Variables: lo, hi (subtreeRange of the root's path), t (type id), owner_path (r.owner_path
-- below 2,000 users, "(r.owner_path || '')" from 2,000 up, as recordsNewestFirst reads it).
-- Example: psql -h 127.0.0.1 -U postgres -d trellis_scale -v lo=/1/5/114/ -v hi=/1/5/1140 \
--   -v t=<type id> -v "owner_path=(r.owner_path || '')" -v walk_parties=false -f tree-scale/party-page-candidate-page.sql
\timing on
\if :walk_parties
explain (analyze, buffers)
select r.id, r.owner_id, r.status, r.data, r.created_at, r.updated_at, r.entity_type_id from records r
where r.id in (
  select id from (
    (select r.id, r.created_at from records r
     where r.entity_type_id = :'t' and :owner_path >= :'lo' and :owner_path < :'hi'
     order by r.created_at desc, r.id desc limit 51)
    union
    -- offset 0 keeps the probe per row: no hashed subplan over the whole subtree's parties.
    (select r.id, r.created_at from records r
     where r.entity_type_id = :'t' and exists (
       select 1 from party_candidates.party_page pp
       where pp.record_id = r.id and pp.party = 'payee' and pp.user_path >= :'lo' and pp.user_path < :'hi' offset 0)
     order by r.created_at desc, r.id desc limit 51)
  ) both_ order by created_at desc, id desc limit 51)
order by r.created_at desc, r.id desc limit 51;
\else
explain (analyze, buffers)
select r.id, r.owner_id, r.status, r.data, r.created_at, r.updated_at, r.entity_type_id from records r
where r.id in (
  select id from (
    (select r.id, r.created_at from records r
     where r.entity_type_id = :'t' and :owner_path >= :'lo' and :owner_path < :'hi'
     order by r.created_at desc, r.id desc limit 51)
    union
    (select pp.record_id, pp.record_created_at from party_candidates.party_page pp
     where pp.party = 'payee' and pp.entity_type_id = :'t' and pp.user_path >= :'lo' and pp.user_path < :'hi'
     order by pp.record_created_at desc, pp.record_id desc limit 51)
  ) both_ order by created_at desc, id desc limit 51)
order by r.created_at desc, r.id desc limit 51;
\endif
