//! GDAL's set-up, shared by every reader that goes through it.

use std::sync::Once;

static GDAL_QUIET: Once = Once::new();

/// Routes GDAL's own messages away from the terminal: errors reach the user through our typed errors.
pub fn quiet_gdal() {
    GDAL_QUIET.call_once(|| {
        gdal::config::set_error_handler(|_, _, _| {});
    });
}
