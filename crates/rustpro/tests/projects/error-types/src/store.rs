#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreError { NotFound, Full }
