"""Final reports: opened when an award's last slice ends, due a set number of days later, reminded 14 days
before, on the day and 14 days after; an overdue report bars its PI from submitting new applications."""
