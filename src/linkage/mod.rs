//! Holder linkage: certificate holders against the population register (`citizens.csv`).
//!
//! * [`citizen_id`]: the structure of CCCD and CMND ids;
//! * [`compare`]: field comparators (names, codes, dates, old and new addresses);
//! * [`matcher`]: a Fellegi-Sunter matcher generic over the fields, with blocking;
//! * [`register`]: `citizens.csv` read into a compact register;
//! * [`holders`]: each holder's status (`matched_by_id` ... `id_invalid`) and the `holder_*` conflicts;
//! * [`differs`]: which fields of a holder disagree with the register's record it was linked to.

pub mod citizen_id;
pub mod compare;
pub mod differs;
pub mod holders;
pub mod matcher;
pub mod register;
pub mod table;
