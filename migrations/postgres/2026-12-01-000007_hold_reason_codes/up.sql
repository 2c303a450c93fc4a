-- Hold reasons become codes (see `domain::HoldReason`), shown in each moderator's
-- language. The English sentences of the releases before are rewritten; any other
-- text is left as it is, and is shown as it is.
UPDATE comments SET hold_reason = CASE
    WHEN hold_reason = 'first comment from this address' THEN 'first_time'
    WHEN hold_reason = 'moderation: all' THEN 'moderation_all'
    WHEN hold_reason = 'bot: honeypot field filled' THEN 'bot:honeypot'
    WHEN hold_reason = 'bot: form token forged' THEN 'bot:forged_token'
    WHEN hold_reason ~ '^bot: posted -?[0-9]+ s after the form appeared$'
        THEN regexp_replace(hold_reason,
                            '^bot: posted (-?[0-9]+) s after the form appeared$',
                            'bot:too_fast:\1')
    WHEN hold_reason ~ '^[0-9]+ links \(more than [0-9]+\)$'
        THEN regexp_replace(hold_reason,
                            '^([0-9]+) links \(more than ([0-9]+)\)$',
                            'links:\1:\2')
    WHEN substr(hold_reason, 1, 17) = 'disallowed word: '
        THEN 'disallowed_word:' || substr(hold_reason, 18)
    WHEN substr(hold_reason, 1, 17) = 'moderation word: '
        THEN 'moderation_word:' || substr(hold_reason, 18)
    ELSE hold_reason
END
WHERE hold_reason IS NOT NULL;
