//! Listings: feeds, sitemaps, URL lists (placeholder; being written).
