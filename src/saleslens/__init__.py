"""SalesLens: sales-performance analytics pipeline for a pharma field force on AWS."""

__version__ = "0.1.0"
