//! Canonical URLs (placeholder; being written).
