//! The read-model schema: numbered SQL files from `migrations/`, embedded in the
//! binary and applied in order, each recorded with its SHA-256 checksum.
//!
//! An applied migration is frozen: if the embedded text of an applied file no
//! longer matches its recorded checksum, opening the database fails and names
//! the file, because silently running with a schema that differs from what the
//! SQL says would corrupt read models in ways no query could explain.

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use sha2::{Digest, Sha256};

/// One schema step: its file name (`NNNN_description.sql`) and SQL text.
#[derive(Clone, Copy, Debug)]
pub struct Migration {
    pub name: &'static str,
    pub sql: &'static str,
}

/// Every migration of the read-model database, in order. Adding a schema
/// change is adding one line here (and the file); never edit an applied file.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        name: "0001_read_models.sql",
        sql: include_str!("../../migrations/0001_read_models.sql"),
    },
    Migration {
        name: "0002_drop_performance_daily.sql",
        sql: include_str!("../../migrations/0002_drop_performance_daily.sql"),
    },
    Migration {
        name: "0003_public_tracking.sql",
        sql: include_str!("../../migrations/0003_public_tracking.sql"),
    },
    Migration {
        name: "0004_local_calendar.sql",
        sql: include_str!("../../migrations/0004_local_calendar.sql"),
    },
    Migration {
        name: "0005_service_requests.sql",
        sql: include_str!("../../migrations/0005_service_requests.sql"),
    },
    Migration {
        name: "0006_escalations.sql",
        sql: include_str!("../../migrations/0006_escalations.sql"),
    },
    Migration {
        name: "0007_case_accesses.sql",
        sql: include_str!("../../migrations/0007_case_accesses.sql"),
    },
    Migration {
        name: "0008_performance_query_rows.sql",
        sql: include_str!("../../migrations/0008_performance_query_rows.sql"),
    },
];

/// Why the schema could not be brought up to date.
#[derive(Debug, thiserror::Error)]
pub enum MigrationError {
    #[error(
        "migration {name} was changed after it was applied (recorded checksum {recorded}, \
         file now {current}); restore the original file and put the change in a new migration, \
         or delete the read-model file and rebuild it"
    )]
    ChecksumMismatch {
        name: String,
        recorded: String,
        current: String,
    },
    #[error(
        "the read-model database has migration {name} applied, which this build does not \
         know; run the newer Markaz build or delete the read-model file and rebuild it"
    )]
    UnknownApplied { name: String },
    #[error("migration {name} is out of order: names must be numbered NNNN_ and increasing")]
    BadOrder { name: String },
    #[error("migration {name} failed: {source}")]
    Failed {
        name: String,
        #[source]
        source: rusqlite::Error,
    },
    #[error("could not read or record the applied migrations: {0}")]
    Bookkeeping(#[from] rusqlite::Error),
}

/// The hex SHA-256 of a migration's text, as recorded in `schema_migrations`.
pub fn checksum(sql: &str) -> String {
    hex::encode(Sha256::digest(sql.as_bytes()))
}

/// Applies the embedded migrations that are not applied yet.
pub fn migrate(conn: &mut Connection) -> Result<usize, MigrationError> {
    apply(conn, MIGRATIONS)
}

/// Checks the applied migrations against `migrations` and applies the rest,
/// each in its own transaction together with its bookkeeping row. Returns how
/// many were applied.
pub fn apply(conn: &mut Connection, migrations: &[Migration]) -> Result<usize, MigrationError> {
    check_order(migrations)?;
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             name       TEXT PRIMARY KEY,
             checksum   TEXT NOT NULL,
             applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
         ) WITHOUT ROWID;",
    )?;
    verify_applied(conn, migrations)?;
    let mut applied = 0;
    for migration in migrations {
        let failed = |source| MigrationError::Failed {
            name: migration.name.to_owned(),
            source,
        };
        // Taking the write lock before looking means two processes opening
        // the same file cannot both apply the same migration.
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(failed)?;
        let recorded: Option<String> = tx
            .query_row(
                "SELECT checksum FROM schema_migrations WHERE name = ?1",
                [migration.name],
                |row| row.get(0),
            )
            .optional()?;
        if recorded.is_some() {
            continue;
        }
        tx.execute_batch(migration.sql).map_err(failed)?;
        tx.execute(
            "INSERT INTO schema_migrations (name, checksum) VALUES (?1, ?2)",
            params![migration.name, checksum(migration.sql)],
        )
        .map_err(failed)?;
        tx.commit().map_err(failed)?;
        tracing::info!(migration = migration.name, "applied read-model migration");
        applied += 1;
    }
    Ok(applied)
}

fn check_order(migrations: &[Migration]) -> Result<(), MigrationError> {
    let mut previous: Option<u32> = None;
    for migration in migrations {
        let number = migration
            .name
            .split_once('_')
            .and_then(|(digits, _)| digits.parse::<u32>().ok());
        match (number, previous) {
            (Some(n), Some(p)) if n > p => previous = Some(n),
            (Some(n), None) => previous = Some(n),
            _ => {
                return Err(MigrationError::BadOrder {
                    name: migration.name.to_owned(),
                })
            }
        }
    }
    Ok(())
}

fn verify_applied(conn: &Connection, migrations: &[Migration]) -> Result<(), MigrationError> {
    let mut statement =
        conn.prepare("SELECT name, checksum FROM schema_migrations ORDER BY name")?;
    let applied = statement
        .query_map([], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    for (name, recorded) in applied {
        let Some(known) = migrations.iter().find(|m| m.name == name) else {
            return Err(MigrationError::UnknownApplied { name });
        };
        let current = checksum(known.sql);
        if current != recorded {
            return Err(MigrationError::ChecksumMismatch {
                name,
                recorded,
                current,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_in_the_migrations_folder_is_embedded_in_order() {
        let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations");
        let mut files: Vec<String> = std::fs::read_dir(&folder)
            .into_iter()
            .flatten()
            .flatten()
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".sql"))
            .collect();
        files.sort();
        let embedded: Vec<&str> = MIGRATIONS.iter().map(|m| m.name).collect();
        assert_eq!(files, embedded);
        for migration in MIGRATIONS {
            let on_disk = std::fs::read_to_string(folder.join(migration.name)).unwrap_or_default();
            assert_eq!(
                on_disk, migration.sql,
                "{} differs from the embedded text",
                migration.name
            );
        }
    }

    #[test]
    fn out_of_order_names_are_refused() {
        let list = [
            Migration {
                name: "0002_b.sql",
                sql: "",
            },
            Migration {
                name: "0001_a.sql",
                sql: "",
            },
        ];
        let mut conn = Connection::open_in_memory().unwrap();
        assert!(matches!(
            apply(&mut conn, &list),
            Err(MigrationError::BadOrder { .. })
        ));
    }
}
