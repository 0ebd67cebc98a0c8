-- First and last day with online product events.
SELECT
    MIN(EVENT_DATE) AS FIRST_DATE,
    MAX(EVENT_DATE) AS LAST_DATE
FROM GOLD.ONLINE_FUNNEL_DAILY
