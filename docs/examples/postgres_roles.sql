-- Roles for a shared workspace in the database `inquiry`: run once with psql as the role
-- that ran `claimgraph init postgres://…/inquiry` (it owns the tables, and is the one who
-- may change constraints). Readers query; writers add, change and resolve; the journal is
-- append-only for everyone but the owner. (docs/storage.md, "Roles")
CREATE ROLE inquiry_reader NOLOGIN;
CREATE ROLE inquiry_writer NOLOGIN IN ROLE inquiry_reader;
GRANT CONNECT ON DATABASE inquiry TO inquiry_reader;
GRANT USAGE ON SCHEMA public TO inquiry_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO inquiry_reader;
GRANT INSERT ON journal TO inquiry_writer;
GRANT INSERT, DELETE ON entities, document_texts, claims, attestations, denials, denial_attestations, resolutions
    TO inquiry_writer;
-- The analysts: one login each, so the journal says who entered what.
CREATE ROLE inquiry_alice LOGIN IN ROLE inquiry_writer;
CREATE ROLE inquiry_carol LOGIN IN ROLE inquiry_reader;
