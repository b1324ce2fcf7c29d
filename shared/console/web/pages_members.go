package web

import (
	"errors"
	"net/http"
	"time"

	"github.com/hapihub/hapihub/sdk/go/hapihub"
	"github.com/hapihub/hapihub/shared/store/accountstore"
	"github.com/hapihub/hapihub/shared/store/core"
)

func init() {
	register("GET /members", (*Handler).members)
	register("POST /members/invite", (*Handler).invite)
	register("POST /members/role", (*Handler).setRole)
	register("POST /members/remove", (*Handler).removeMember)
	register("POST /members/invites/revoke", (*Handler).revokeInvite)
	registerPublic("GET /invite/{token}", (*Handler).invitePage)
	registerPublic("POST /invite/{token}", (*Handler).acceptInvite)
}

// InviteTTL is how long an invite link works.
const InviteTTL = 7 * 24 * time.Hour

type membersData struct {
	Members []accountstore.Membership
	Invites []accountstore.Invite // pending invites, shown to owners
	Roles   []string
	Link    string // the one-time invite link, shown once
	Email   string
	Role    string
}

func (h *Handler) membersPage(c *Call, d membersData) (membersData, error) {
	ms, err := h.opts.Identity.ListMembers(c.Ctx(), c.Session.Account)
	if err != nil {
		return d, err
	}
	d.Members, d.Roles = ms, accountstore.Roles
	if d.Role == "" {
		d.Role = accountstore.RoleDeveloper
	}
	if c.Session.Role == accountstore.RoleOwner {
		d.Invites, err = h.opts.Identity.ListInvites(c.Ctx(), c.Session.Account)
	}
	return d, err
}

func (h *Handler) members(c *Call) error {
	d, err := h.membersPage(c, membersData{})
	if err != nil {
		return err
	}
	return c.Render(http.StatusOK, "members.html", View{Title: "Members", Data: d})
}

// ownerOnly refuses a member change by a non-owner, in place.
func (h *Handler) ownerOnly(c *Call) (bool, error) {
	if c.Session.Role == accountstore.RoleOwner {
		return true, nil
	}
	d, err := h.membersPage(c, membersData{})
	if err != nil {
		return false, err
	}
	return false, c.Render(http.StatusForbidden, "members.html", View{Title: "Members", Data: d,
		Err: &hapihub.Error{Status: http.StatusForbidden, Name: hapihub.ErrorPermissions, Message: "Only owners can invite, change or remove members."}})
}

func validMemberRole(r string) bool {
	for _, x := range accountstore.Roles {
		if x == r {
			return true
		}
	}
	return false
}

func (h *Handler) invite(c *Call) error {
	if ok, err := h.ownerOnly(c); !ok {
		return err
	}
	d := membersData{Email: c.Form("email"), Role: c.Form("role")}
	var bad []hapihub.FieldError
	email, ok := checkEmail(d.Email)
	if !ok {
		bad = append(bad, Field("email", "must be an email address such as grace@example.com"))
	}
	if !validMemberRole(d.Role) {
		bad = append(bad, Field("role", "must be owner, developer or viewer"))
	}
	if ok {
		if _, err := h.opts.Identity.GetMembership(c.Ctx(), c.Session.Account, email); err == nil {
			bad = append(bad, Field("email", "is already a member of this account"))
		} else if !errors.Is(err, accountstore.ErrNotMember) {
			return err
		}
	}
	if len(bad) > 0 {
		d, err := h.membersPage(c, d)
		if err != nil {
			return err
		}
		return c.Render(http.StatusBadRequest, "members.html", View{Title: "Members", Data: d, Err: Invalid(bad...)})
	}
	token, err := randomToken()
	if err != nil {
		return err
	}
	now := h.opts.Now()
	if err := h.opts.Identity.PutInvite(c.Ctx(), accountstore.Invite{TokenHash: tokenHash(token), Account: c.Session.Account, Email: email,
		Role: d.Role, InvitedBy: c.Session.Email, CreatedAt: now.UnixMilli(), ExpiresAt: now.Add(InviteTTL).UnixMilli()}); err != nil {
		return err
	}
	d, err = h.membersPage(c, membersData{Link: c.origin + c.Mount + "/invite/" + token})
	if err != nil {
		return err
	}
	return c.Render(http.StatusOK, "members.html", View{Title: "Members", Data: d,
		Notice: "Invite made for " + email + ". Send them this link; it works once, for 7 days, and is not shown again."})
}

func (h *Handler) memberChange(c *Call, change func(email string) error, done string) error {
	if ok, err := h.ownerOnly(c); !ok {
		return err
	}
	email := accountstore.NormalizeEmail(c.Form("email"))
	err := change(email)
	var msg error
	switch {
	case errors.Is(err, accountstore.ErrLastOwner):
		msg = UserErr("An account must keep at least one owner: make someone else an owner first.")
	case errors.Is(err, accountstore.ErrNotMember):
		msg = UserErr("%s is not a member any more (or was changed meanwhile); see the list below.", email)
	case err != nil:
		return err
	default:
		return c.Redirect("/members", done)
	}
	d, err := h.membersPage(c, membersData{})
	if err != nil {
		return err
	}
	return c.Render(http.StatusConflict, "members.html", View{Title: "Members", Data: d, Err: msg})
}

func (h *Handler) setRole(c *Call) error {
	role := c.Form("role")
	if !validMemberRole(role) {
		return UserErr("Unknown role %q.", role)
	}
	return h.memberChange(c, func(email string) error {
		_, err := h.opts.Identity.SetMemberRole(c.Ctx(), c.Session.Account, email, role)
		return err
	}, "Role changed. Their current session ends; they log in again with the new role.")
}

func (h *Handler) removeMember(c *Call) error {
	return h.memberChange(c, func(email string) error {
		return h.opts.Identity.RemoveMember(c.Ctx(), c.Session.Account, email)
	}, "Member removed; their session ends at their next click.")
}

// revokeInvite deletes a pending invite of the session's account: its link stops working. The
// form names the invite by its token's hash (what the listing holds; the token itself is shown
// once and never stored).
func (h *Handler) revokeInvite(c *Call) error {
	if ok, err := h.ownerOnly(c); !ok {
		return err
	}
	err := h.opts.Identity.RevokeInvite(c.Ctx(), c.Session.Account, c.Form("invite"))
	if errors.Is(err, accountstore.ErrNoInvite) {
		d, err := h.membersPage(c, membersData{})
		if err != nil {
			return err
		}
		return c.Render(http.StatusConflict, "members.html", View{Title: "Members", Data: d,
			Err: UserErr("That invite was already used, revoked or expired; see the list below.")})
	}
	if err != nil {
		return err
	}
	return c.Redirect("/members", "Invite revoked; its link no longer works.")
}

type inviteData struct {
	Invite      accountstore.Invite
	AccountName string
	HasUser     bool // the invited email has a user: accepting needs its password
	Name        string
}

// loadInvite reads the invite of the path's token; ok is false when it was answered already.
func (h *Handler) loadInvite(c *Call) (inviteData, bool, error) {
	inv, err := h.opts.Identity.GetInvite(c.Ctx(), tokenHash(c.R.PathValue("token")))
	if errors.Is(err, accountstore.ErrNoInvite) {
		return inviteData{}, false, c.Render(http.StatusNotFound, "invite.html", View{Title: "Invite",
			Err: UserErr("This invite link was already used, has expired, or never existed. Ask the account's owner for a new one.")})
	}
	if err != nil {
		return inviteData{}, false, err
	}
	d := inviteData{Invite: inv}
	ms, err := h.opts.Identity.ListMembers(c.Ctx(), inv.Account)
	if err != nil {
		return d, false, err
	}
	for _, m := range ms {
		if m.AccountName != "" {
			d.AccountName = m.AccountName
		}
	}
	_, err = h.opts.Identity.GetUser(c.Ctx(), inv.Email)
	if err != nil && !errors.Is(err, accountstore.ErrNoUser) {
		return d, false, err
	}
	d.HasUser = err == nil
	return d, true, nil
}

func (h *Handler) invitePage(c *Call) error {
	d, ok, err := h.loadInvite(c)
	if !ok {
		return err
	}
	return c.Render(http.StatusOK, "invite.html", View{Title: "Join " + d.AccountName, Data: d})
}

func (h *Handler) acceptInvite(c *Call) error {
	d, ok, err := h.loadInvite(c)
	if !ok {
		return err
	}
	d.Name = c.Form("name")
	password := c.R.PostFormValue("password")
	again := func(status int, err error) error {
		return c.Render(status, "invite.html", View{Title: "Join " + d.AccountName, Data: d, Err: err})
	}
	ctx := c.Ctx()
	now := h.opts.Now()
	var u accountstore.User
	if d.HasUser {
		// The invited email has a user: its password proves the invitee owns it (rate limited
		// like a login, in the same counters).
		scopes := []attemptScope{{key: "email:" + d.Invite.Email, max: maxEmailAttempt}, {key: "ip:" + clientIP(c.R), max: maxIPAttempts}}
		if wait, err := h.countAttempt(ctx, scopes); err != nil {
			return err
		} else if wait > 0 {
			return again(http.StatusTooManyRequests, tooMany(c, wait))
		}
		if u, err = h.opts.Identity.GetUser(ctx, d.Invite.Email); err != nil {
			return err
		}
		if !h.passwordMatches(u, true, password) {
			return again(http.StatusUnauthorized, Invalid(Field("password", "is not the password of "+d.Invite.Email)))
		}
		h.forgetAttempt(ctx, scopes)
	} else {
		var bad []hapihub.FieldError
		if d.Name == "" || len(d.Name) > 100 {
			bad = append(bad, Field("name", "is required (at most 100 characters)"))
		}
		if msg := checkPassword(password); msg != "" {
			bad = append(bad, Field("password", msg))
		}
		if len(bad) > 0 {
			return again(http.StatusBadRequest, Invalid(bad...))
		}
		hash, err := HashPassword(password)
		if err != nil {
			return err
		}
		u = accountstore.User{ID: core.NewID("usr", now), Email: d.Invite.Email, Name: d.Name, PasswordHash: hash, CreatedAt: now.UnixMilli()}
	}
	// The conditional delete makes the link one-time: of two concurrent acceptances one wins.
	inv, err := h.opts.Identity.ConsumeInvite(ctx, d.Invite.TokenHash)
	if errors.Is(err, accountstore.ErrNoInvite) {
		return again(http.StatusGone, UserErr("This invite link was just used."))
	}
	if err != nil {
		return err
	}
	if !d.HasUser {
		var taken *accountstore.EmailTakenError
		if err := h.opts.Identity.CreateUser(ctx, u); errors.As(err, &taken) {
			return again(http.StatusConflict, UserErr("An account for %s was created meanwhile; ask for a new invite and log in to accept it.", u.Email))
		} else if err != nil {
			return err
		}
	}
	m := accountstore.Membership{Account: inv.Account, AccountName: d.AccountName, Email: u.Email, Name: u.Name, Role: inv.Role, CreatedAt: now.UnixMilli()}
	if err := h.opts.Identity.AddMember(ctx, m); errors.Is(err, accountstore.ErrAlreadyMember) {
		return again(http.StatusConflict, UserErr("%s is already a member of %s; log in instead.", u.Email, d.AccountName))
	} else if err != nil {
		return err
	}
	if err := h.startSession(c, u, m); err != nil {
		return err
	}
	return c.Redirect("/", "Welcome to "+d.AccountName+": you joined as "+inv.Role+".")
}
