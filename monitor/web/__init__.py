"""The read-only incident pages and the one HTML renderer they share with the replay report."""
