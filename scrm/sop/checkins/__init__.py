"""Check-ins (群打卡): windows, records, streaks and the leaderboard."""
