-- Login throttling counts per window instead of an audit row per attempt (issue 13).
-- subject: 'address:<ip>' (failures from an address across accounts), 'pair:<email>|<ip>'
-- (one account from one address: progressive delays) or 'account:<email>' (failures from
-- anywhere: the burst reported to admins). A row whose window_start is older than the window
-- is stale: it is reset by the next attempt and removed by later ones.
CREATE TABLE login_throttles (
    subject TEXT PRIMARY KEY NOT NULL,
    window_start TIMESTAMP NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,
    refused INTEGER NOT NULL DEFAULT 0,
    last_attempt_at TIMESTAMP NOT NULL,
    reported_at TIMESTAMP
);
CREATE INDEX login_throttles_window ON login_throttles(window_start);
