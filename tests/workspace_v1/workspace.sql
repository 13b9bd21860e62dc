-- A workspace of schema version 1, as claimgraph wrote it before SPEAKS FOR and documents'
-- texts were stored (commit b4c0f4c): `claimgraph init w.claimgraph --from v1.kg` (v1.kg
-- and report.txt beside this file), then `claimgraph query --workspace w.claimgraph
-- "CREATE (:Note {text: 'typed later'}); MATCH (n) WHERE key(n) = 'unit' SET n.size = 300"`,
-- dumped with `sqlite3 w.claimgraph .dump`. tests/workspace.rs rebuilds the file from it
-- and opens it with this version.
PRAGMA application_id = 1128748883;
PRAGMA user_version = 1;
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO meta VALUES('claimgraph_version','0.1.0');
INSERT INTO meta VALUES('created_at','2026-12-01T22:03:06Z');
INSERT INTO meta VALUES('created_by','analyst');
INSERT INTO meta VALUES('format','claimgraph workspace');
CREATE TABLE journal (
    seq       INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    user      TEXT NOT NULL,
    host      TEXT NOT NULL,
    pid       INTEGER NOT NULL,
    origin    TEXT NOT NULL,
    statement TEXT NOT NULL
);
INSERT INTO journal VALUES(1,'2026-12-01T22:03:06.864Z','analyst','vm',20347,'init','init --from v1.kg');
INSERT INTO journal VALUES(2,'2026-12-01T22:03:06.945Z','analyst','vm',20349,'<query>','CREATE (:Note {text: ''typed later''});');
INSERT INTO journal VALUES(3,'2026-12-01T22:03:06.963Z','analyst','vm',20349,'<query>','MATCH (n) WHERE key(n) = ''unit'' SET n.size = 300;');
CREATE TABLE entities (
    key        INTEGER PRIMARY KEY,
    id         TEXT NOT NULL,
    labels     TEXT NOT NULL,
    properties TEXT NOT NULL,
    via        TEXT,
    journal    INTEGER NOT NULL REFERENCES journal(seq)
);
INSERT INTO entities VALUES(0,'report','["Report","Document"]','{"name":"Field report","text":"report.txt"}',NULL,1);
INSERT INTO entities VALUES(1,'agency','["NewsAgency","Source"]','{"name":"An agency"}',NULL,1);
INSERT INTO entities VALUES(2,'spokesman','["Person","Source"]','{"name":"A spokesman"}','[1]',1);
INSERT INTO entities VALUES(3,'ministry','["Government"]','{"name":"A ministry"}',NULL,1);
INSERT INTO entities VALUES(4,'battle','["Event"]','{"name":"A battle"}',NULL,1);
INSERT INTO entities VALUES(5,'unit','["Group"]','{"name":"A unit","size":300}',NULL,3);
INSERT INTO entities VALUES(6,'_n1','["Note"]','{"text":"typed later"}',NULL,2);
CREATE TABLE claims (
    key        INTEGER PRIMARY KEY,
    id         TEXT,
    subject    INTEGER NOT NULL REFERENCES entities(key),
    type       TEXT NOT NULL,
    object     INTEGER NOT NULL REFERENCES entities(key),
    properties TEXT NOT NULL,
    chain_link INTEGER NOT NULL DEFAULT 0,
    journal    INTEGER NOT NULL REFERENCES journal(seq)
);
INSERT INTO claims VALUES(0,NULL,2,'VIA',1,'{}',1,1);
INSERT INTO claims VALUES(1,'c1',4,'CASUALTIES',5,'{"killed":{"$uncertain":"~100"},"wounded":{"$uncertain":"65..200"}}',0,1);
INSERT INTO claims VALUES(2,'c2',4,'CASUALTIES',5,'{"killed":5}',0,1);
INSERT INTO claims VALUES(3,NULL,4,'OCCURRED_ON',4,'{"date":{"$date":"@2018-02-07"}}',0,1);
CREATE TABLE attestations (
    claim    INTEGER NOT NULL REFERENCES claims(key),
    seq      INTEGER NOT NULL,
    source   INTEGER REFERENCES entities(key),
    user     TEXT,
    via      TEXT,
    status   TEXT NOT NULL,
    quote    TEXT,
    document INTEGER REFERENCES entities(key),
    position TEXT,
    date     TEXT,
    PRIMARY KEY (claim, seq)
) WITHOUT ROWID;
INSERT INTO attestations VALUES(1,0,2,NULL,'[1]','reported','about 100 were killed',0,NULL,NULL);
INSERT INTO attestations VALUES(2,0,1,NULL,NULL,'asserted','five were killed',0,NULL,NULL);
INSERT INTO attestations VALUES(3,0,1,NULL,NULL,'asserted',NULL,0,NULL,NULL);
CREATE TABLE denials (
    key     INTEGER PRIMARY KEY,
    claim   INTEGER REFERENCES claims(key),
    pattern TEXT,
    journal INTEGER NOT NULL REFERENCES journal(seq)
);
INSERT INTO denials VALUES(0,1,NULL,1);
CREATE TABLE denial_attestations (
    denial   INTEGER NOT NULL REFERENCES denials(key),
    seq      INTEGER NOT NULL,
    source   INTEGER REFERENCES entities(key),
    user     TEXT,
    via      TEXT,
    status   TEXT NOT NULL,
    quote    TEXT,
    document INTEGER REFERENCES entities(key),
    position TEXT,
    date     TEXT,
    PRIMARY KEY (denial, seq)
) WITHOUT ROWID;
INSERT INTO denial_attestations VALUES(0,0,1,NULL,NULL,'asserted','no such thing',0,NULL,NULL);
CREATE TABLE constraints (
    key       INTEGER PRIMARY KEY,
    id        TEXT NOT NULL,
    statement TEXT NOT NULL,
    journal   INTEGER NOT NULL REFERENCES journal(seq)
);
INSERT INTO constraints VALUES(0,'toll','CONSTRAINT toll: SINGLE (:Event)-[:CASUALTIES]->() ON killed TOLERANCE 0.25',1);
INSERT INTO constraints VALUES(1,'when','CONSTRAINT when: SINGLE (:Event)-[:OCCURRED_ON]->() ON date SEVERITY warning',1);
CREATE TABLE resolutions (
    key     INTEGER PRIMARY KEY,
    finding TEXT,
    claims  TEXT,
    status  TEXT NOT NULL,
    reason  TEXT NOT NULL,
    journal INTEGER NOT NULL REFERENCES journal(seq)
);
INSERT INTO resolutions VALUES(0,NULL,'[1,2]','dismissed','different counts',1);
CREATE UNIQUE INDEX entities_id ON entities(id);
CREATE UNIQUE INDEX claims_id ON claims(id);
CREATE UNIQUE INDEX constraints_id ON constraints(id);
CREATE VIEW sources AS
    SELECT * FROM entities WHERE EXISTS (SELECT 1 FROM json_each(entities.labels) WHERE value = 'Source');
CREATE VIEW documents AS
    SELECT * FROM entities WHERE EXISTS (SELECT 1 FROM json_each(entities.labels) WHERE value = 'Document');
COMMIT;
