//! Files people bring: a JSON export or an incidents CSV (`import`), and Azure's support
//! tickets (`import --from azure-tickets`), read into plain records for the domain. Nothing
//! here writes: what `export` writes is `render/`'s, with the same row types.

pub mod export;
pub mod tickets;
