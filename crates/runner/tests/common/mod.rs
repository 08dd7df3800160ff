//! Helpers shared by the integration tests.

use std::time::Duration;

/// Whether the process ends within 10 s; a zombie (dead, not yet reaped by init) is gone.
pub fn wait_until_gone(pid: &str) -> bool {
    for _ in 0..200 {
        match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            Err(_) => return true,
            // The state follows the command name, which is in parentheses.
            Ok(stat)
                if stat
                    .rsplit(')')
                    .next()
                    .unwrap()
                    .trim_start()
                    .starts_with('Z') =>
            {
                return true
            }
            Ok(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
    false
}
