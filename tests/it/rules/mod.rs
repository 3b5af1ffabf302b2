//! Each rule's edge cases on hand-made ledgers, through the real binary: exactly on the
//! due date, one fen short, installments, spellings, households, homonyms. A file per
//! family of rules.

mod diverted;
mod payments;
mod people;
mod programs;
mod projects;
mod publicity;
