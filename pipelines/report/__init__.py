"""The data-quality report: HTML from the warehouse's latest validation runs, with page crops."""
