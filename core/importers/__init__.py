"""Bulk loaders of reference and historical data: GeoNames cities, twinning pairs, demo data."""
