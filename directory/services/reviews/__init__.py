"""Reviews from patients of attended visits, replies, and moderation."""
