-- Hold reasons become codes (see `domain::HoldReason`), shown in each moderator's
-- language. The English sentences of the releases before are rewritten; any other
-- text is left as it is, and is shown as it is.
UPDATE comments SET hold_reason = CASE
    WHEN hold_reason = 'first comment from this address' THEN 'first_time'
    WHEN hold_reason = 'moderation: all' THEN 'moderation_all'
    WHEN hold_reason = 'bot: honeypot field filled' THEN 'bot:honeypot'
    WHEN hold_reason = 'bot: form token forged' THEN 'bot:forged_token'
    WHEN substr(hold_reason, 1, 17) = 'disallowed word: '
        THEN 'disallowed_word:' || substr(hold_reason, 18)
    WHEN substr(hold_reason, 1, 17) = 'moderation word: '
        THEN 'moderation_word:' || substr(hold_reason, 18)
    ELSE hold_reason
END
WHERE hold_reason IS NOT NULL;

-- 'bot: posted N s after the form appeared', N a whole number (negative when two
-- instances' clocks disagree): N is substr(hold_reason, 13, length - 38).
UPDATE comments
SET hold_reason = 'bot:too_fast:' || substr(hold_reason, 13, length(hold_reason) - 38)
WHERE substr(hold_reason, 1, 12) = 'bot: posted '
  AND substr(hold_reason, -26) = ' s after the form appeared'
  AND length(hold_reason) > 38
  AND substr(hold_reason, 13, length(hold_reason) - 38) <> '-'
  AND (substr(hold_reason, 13, length(hold_reason) - 38) NOT GLOB '*[^0-9]*'
       OR (substr(hold_reason, 13, 1) = '-'
           AND substr(hold_reason, 14, length(hold_reason) - 39) NOT GLOB '*[^0-9]*'));

-- 'N links (more than M)'.
UPDATE comments
SET hold_reason = 'links:'
    || substr(hold_reason, 1, instr(hold_reason, ' links (more than ') - 1)
    || ':'
    || substr(hold_reason, instr(hold_reason, ' links (more than ') + 18,
              length(hold_reason) - instr(hold_reason, ' links (more than ') - 18)
WHERE instr(hold_reason, ' links (more than ') > 1
  AND substr(hold_reason, -1) = ')'
  AND substr(hold_reason, 1, instr(hold_reason, ' links (more than ') - 1) NOT GLOB '*[^0-9]*'
  AND substr(hold_reason, instr(hold_reason, ' links (more than ') + 18,
             length(hold_reason) - instr(hold_reason, ' links (more than ') - 18) <> ''
  AND substr(hold_reason, instr(hold_reason, ' links (more than ') + 18,
             length(hold_reason) - instr(hold_reason, ' links (more than ') - 18)
      NOT GLOB '*[^0-9]*';
