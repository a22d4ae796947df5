DROP TABLE risk_reviews;
