"""Usage statistics: daily view and download counters, dataset aggregates and the utilisation rate."""
