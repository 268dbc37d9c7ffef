//! Console unit tests: the statement screen and the cell encoding as pure functions, the
//! SQLite engine on temp files, and — with the screen switched off — what PostgreSQL and
//! MariaDB refuse on their own inside the console's read-only mechanisms, statement by
//! statement (`db_layer`). End-to-end tests through the public API live in the workspace
//! test crate (`tests/tests/console_*.rs`).

mod cells;
mod db_layer;
mod screen;
mod sqlite;
