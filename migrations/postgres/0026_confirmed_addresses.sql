-- When each account's address was shown to be its owner's (a link mailed there was opened,
-- or an admin made the account). Accounts from before are taken as confirmed: nobody asked
-- them to, and the rule below is new.
ALTER TABLE users ADD COLUMN email_confirmed_at TIMESTAMPTZ;
UPDATE users SET email_confirmed_at = created_at;
-- The admins' choice: new accounts confirm their address before they comment.
ALTER TABLE site_settings ADD COLUMN comments_need_confirmed_email BOOLEAN NOT NULL DEFAULT FALSE;
