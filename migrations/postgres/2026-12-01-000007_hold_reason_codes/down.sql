-- Back to the English sentences the releases before codes wrote and showed.
UPDATE comments SET hold_reason = CASE
    WHEN hold_reason = 'first_time' THEN 'first comment from this address'
    WHEN hold_reason = 'moderation_all' THEN 'moderation: all'
    WHEN hold_reason = 'bot:honeypot' THEN 'bot: honeypot field filled'
    WHEN hold_reason = 'bot:forged_token' THEN 'bot: form token forged'
    WHEN substr(hold_reason, 1, 13) = 'bot:too_fast:'
        THEN 'bot: posted ' || substr(hold_reason, 14) || ' s after the form appeared'
    WHEN substr(hold_reason, 1, 16) = 'disallowed_word:'
        THEN 'disallowed word: ' || substr(hold_reason, 17)
    WHEN substr(hold_reason, 1, 16) = 'moderation_word:'
        THEN 'moderation word: ' || substr(hold_reason, 17)
    WHEN hold_reason ~ '^links:[0-9]+:[0-9]+$'
        THEN regexp_replace(hold_reason, '^links:([0-9]+):([0-9]+)$',
                            '\1 links (more than \2)')
    ELSE hold_reason
END
WHERE hold_reason IS NOT NULL;
