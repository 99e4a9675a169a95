"""Data observability: what each delivery looked like (the metric store), what the feed usually
looks like on the same kind of day (baselines), and where tonight's delivery departs from it
(anomalies) — the valid-but-wrong deliveries that no rule catches."""
