package accountstore

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/store/core"
)

// Console identity: users, account memberships, sessions, invites and login-attempt counters.
// This is the only console state kept in the store directly; every other console action goes
// through the public API with a session key (docs/console.md).
//
// Items:
//   USER#<email>            USER              the user (email lower-cased)
//   USER#<email>            MEMBER#<account>  the user's membership of an account
//   ACCT#<account>#MEMBERS  M#<email>         the account's member (mirror of the above)
//   ACCT#<account>#MEMBERS  OWNERS            count of owners (guards "not the last owner")
//   SESS#<sha256(token)>    SESSION           a console session (ttl): its keys' ids and hashes only
//   INV#<sha256(token)>     INVITE            a pending invite (ttl)
//   ACCT#<account>#INVITES  I#<sha256(token)> the account's listing of it (ttl; same transaction)
//   ATTEMPT#<scope>#<start> ATTEMPT           failed logins in a fixed window (ttl)

// Roles of account members.
const (
	RoleOwner     = "owner"
	RoleDeveloper = "developer"
	RoleViewer    = "viewer"
)

// Roles lists the roles from most to least powerful.
var Roles = []string{RoleOwner, RoleDeveloper, RoleViewer}

// User is a console user; Email (lower case) is its identity.
type User struct {
	ID           string
	Email        string
	Name         string
	PasswordHash string // PHC string (argon2id)
	CreatedAt    int64
}

// Membership is a user's role in an account.
type Membership struct {
	Account     string
	AccountName string
	Email       string
	Name        string
	Role        string
	CreatedAt   int64
}

// SessionKey is one mode's session key as the session holds it: its id and hash. The secret is
// never stored: the console derives it on each request from the session's cookie token, which
// the table holds only as a hash (docs/console.md), so nothing in a session item authenticates.
type SessionKey struct {
	ID   string
	Hash string
	// Secret is filled in memory by the console once derived; PutSession does not store it.
	Secret string
}

// Session is a logged-in member of one account.
type Session struct {
	TokenHash string // SHA-256 (hex) of the cookie's token
	UserID    string
	Email     string
	Name      string
	Account   string
	Role      string
	Mode      string                // test or live: the mode the console shows
	Keys      map[string]SessionKey // mode -> session key
	CreatedAt int64
	ExpiresAt int64 // Unix ms
}

// Invite asks Email to join Account with Role; it is consumed once.
type Invite struct {
	TokenHash string
	Account   string
	Email     string
	Role      string
	InvitedBy string
	CreatedAt int64
	ExpiresAt int64 // Unix ms
}

// EmailTakenError: a user with this email exists already.
type EmailTakenError struct{ Email string }

func (e *EmailTakenError) Error() string {
	return "store: a user with email " + e.Email + " exists already"
}

// Identity errors.
var (
	ErrNoUser        = errors.New("store: no such user")
	ErrNoSession     = errors.New("store: no such session (or it expired)")
	ErrNoInvite      = errors.New("store: no such invite (used, expired or never made)")
	ErrNotMember     = errors.New("store: not a member of this account")
	ErrAlreadyMember = errors.New("store: already a member of this account")
	ErrLastOwner     = errors.New("store: an account must keep at least one owner")
)

// NormalizeEmail is the form emails are stored and compared in.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

func userPK(email string) string      { return "USER#" + NormalizeEmail(email) }
func membersPK(account string) string { return accountPK(account) + "#MEMBERS" }
func sessionPK(hash string) string    { return "SESS#" + hash }
func invitePK(hash string) string     { return "INV#" + hash }
func invitesPK(account string) string { return accountPK(account) + "#INVITES" }

const ownersSK = "OWNERS"

func key2(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"PK": core.SV(pk), "SK": core.SV(sk)}
}

func isConditionFailed(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}

// canceledAt reports which items of a cancelled transaction failed their condition.
func canceledAt(err error) ([]bool, bool) {
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		return nil, false
	}
	out := make([]bool, len(tce.CancellationReasons))
	for i, r := range tce.CancellationReasons {
		out[i] = r.Code != nil && *r.Code == "ConditionalCheckFailed"
	}
	return out, true
}

// CreateUser stores a new user; an existing email is *EmailTakenError.
func (s *Accounts) CreateUser(ctx context.Context, u User) error {
	u.Email = NormalizeEmail(u.Email)
	item := key2(userPK(u.Email), "USER")
	item["id"], item["email"], item["name"] = core.SV(u.ID), core.SV(u.Email), core.SV(u.Name)
	item["passwordHash"], item["createdAt"] = core.SV(u.PasswordHash), core.N(u.CreatedAt)
	_, err := s.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: item, ConditionExpression: aws.String("attribute_not_exists(PK)")})
	if isConditionFailed(err) {
		return &EmailTakenError{Email: u.Email}
	}
	if err != nil {
		return fmt.Errorf("store: create user: %w", core.Contended(err))
	}
	return nil
}

// GetUser reads a user by email; ErrNoUser when there is none.
func (s *Accounts) GetUser(ctx context.Context, email string) (User, error) {
	out, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Table, Key: key2(userPK(email), "USER"), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return User{}, fmt.Errorf("store: get user: %w", err)
	}
	if out.Item == nil {
		return User{}, ErrNoUser
	}
	it := out.Item
	return User{ID: core.GetS(it, "id"), Email: core.GetS(it, "email"), Name: core.GetS(it, "name"), PasswordHash: core.GetS(it, "passwordHash"), CreatedAt: core.GetN(it, "createdAt")}, nil
}

// DeleteUser removes a user record (a sign-up whose account could not be made).
func (s *Accounts) DeleteUser(ctx context.Context, email string) error {
	if _, err := s.DB.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &s.Table, Key: key2(userPK(email), "USER")}); err != nil {
		return fmt.Errorf("store: delete user: %w", core.Contended(err))
	}
	return nil
}

func memberAttrs(m Membership) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"account": core.SV(m.Account), "accountName": core.SV(m.AccountName), "email": core.SV(m.Email),
		"name": core.SV(m.Name), "role": core.SV(m.Role), "createdAt": core.N(m.CreatedAt)}
}

func membershipFrom(it map[string]types.AttributeValue) Membership {
	return Membership{Account: core.GetS(it, "account"), AccountName: core.GetS(it, "accountName"), Email: core.GetS(it, "email"),
		Name: core.GetS(it, "name"), Role: core.GetS(it, "role"), CreatedAt: core.GetN(it, "createdAt")}
}

func validRole(r string) bool { return r == RoleOwner || r == RoleDeveloper || r == RoleViewer }

// ownersDelta changes the account's owner count; a decrease is refused when it would reach 0.
func (s *Accounts) ownersDelta(account string, delta int64) types.TransactWriteItem {
	u := &types.Update{TableName: &s.Table, Key: key2(membersPK(account), ownersSK),
		UpdateExpression: aws.String("ADD #o :d"), ExpressionAttributeNames: map[string]string{"#o": "owners"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":d": core.N(delta)}}
	if delta < 0 {
		u.ConditionExpression = aws.String("#o > :one")
		u.ExpressionAttributeValues[":one"] = core.N(1)
	}
	return types.TransactWriteItem{Update: u}
}

// AddMember makes a user a member of an account (both sides in one transaction). A user already
// in the account is ErrAlreadyMember.
func (s *Accounts) AddMember(ctx context.Context, m Membership) error {
	if !validRole(m.Role) {
		return fmt.Errorf("store: add member: unknown role %q", m.Role)
	}
	m.Email = NormalizeEmail(m.Email)
	side := func(pk, sk string) types.TransactWriteItem {
		item := memberAttrs(m)
		item["PK"], item["SK"] = core.SV(pk), core.SV(sk)
		return types.TransactWriteItem{Put: &types.Put{TableName: &s.Table, Item: item, ConditionExpression: aws.String("attribute_not_exists(PK)")}}
	}
	items := []types.TransactWriteItem{side(membersPK(m.Account), "M#"+m.Email), side(userPK(m.Email), "MEMBER#"+m.Account)}
	if m.Role == RoleOwner {
		items = append(items, s.ownersDelta(m.Account, 1))
	}
	err := s.TransactWrite(ctx, items)
	if failed, ok := canceledAt(err); ok && (failed[0] || failed[1]) {
		return ErrAlreadyMember
	}
	if err != nil {
		return fmt.Errorf("store: add member %s to %s: %w", m.Email, m.Account, err)
	}
	return nil
}

// GetMembership reads email's membership of account; ErrNotMember when there is none.
func (s *Accounts) GetMembership(ctx context.Context, account, email string) (Membership, error) {
	out, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Table, Key: key2(membersPK(account), "M#"+NormalizeEmail(email)), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return Membership{}, fmt.Errorf("store: get membership: %w", err)
	}
	if out.Item == nil {
		return Membership{}, ErrNotMember
	}
	return membershipFrom(out.Item), nil
}

func (s *Accounts) queryMemberships(ctx context.Context, pk, prefix string) ([]Membership, error) {
	var out []Membership
	var start map[string]types.AttributeValue
	for {
		res, err := s.DB.Query(ctx, &dynamodb.QueryInput{TableName: &s.Table, ExclusiveStartKey: start, ConsistentRead: aws.Bool(true),
			KeyConditionExpression:    aws.String("PK = :pk AND begins_with(SK, :p)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": core.SV(pk), ":p": core.SV(prefix)}})
		if err != nil {
			return nil, fmt.Errorf("store: list memberships: %w", err)
		}
		for _, it := range res.Items {
			out = append(out, membershipFrom(it))
		}
		if len(res.LastEvaluatedKey) == 0 {
			return out, nil
		}
		start = res.LastEvaluatedKey
	}
}

// ListMembers lists an account's members, ordered by email.
func (s *Accounts) ListMembers(ctx context.Context, account string) ([]Membership, error) {
	return s.queryMemberships(ctx, membersPK(account), "M#")
}

// AccountsOf lists the accounts a user is a member of.
func (s *Accounts) AccountsOf(ctx context.Context, email string) ([]Membership, error) {
	return s.queryMemberships(ctx, userPK(email), "MEMBER#")
}

// SetMemberRole changes a member's role. Demoting the last owner is ErrLastOwner; a member gone
// or changed meanwhile is ErrNotMember (read again and retry).
func (s *Accounts) SetMemberRole(ctx context.Context, account, email, role string) (Membership, error) {
	if !validRole(role) {
		return Membership{}, fmt.Errorf("store: set role: unknown role %q", role)
	}
	cur, err := s.GetMembership(ctx, account, email)
	if err != nil {
		return Membership{}, err
	}
	if cur.Role == role {
		return cur, nil
	}
	upd := func(pk, sk string) types.TransactWriteItem {
		return types.TransactWriteItem{Update: &types.Update{TableName: &s.Table, Key: key2(pk, sk),
			UpdateExpression: aws.String("SET #r = :r"), ConditionExpression: aws.String("#r = :old"),
			ExpressionAttributeNames:  map[string]string{"#r": "role"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":r": core.SV(role), ":old": core.SV(cur.Role)}}}
	}
	items := []types.TransactWriteItem{upd(membersPK(account), "M#"+cur.Email), upd(userPK(cur.Email), "MEMBER#"+account)}
	switch {
	case cur.Role == RoleOwner:
		items = append(items, s.ownersDelta(account, -1))
	case role == RoleOwner:
		items = append(items, s.ownersDelta(account, 1))
	}
	if err := s.memberTransact(ctx, "set role of "+cur.Email, items); err != nil {
		return Membership{}, err
	}
	cur.Role = role
	return cur, nil
}

// RemoveMember removes a member from an account (not the last owner).
func (s *Accounts) RemoveMember(ctx context.Context, account, email string) error {
	cur, err := s.GetMembership(ctx, account, email)
	if err != nil {
		return err
	}
	del := func(pk, sk string) types.TransactWriteItem {
		return types.TransactWriteItem{Delete: &types.Delete{TableName: &s.Table, Key: key2(pk, sk),
			ConditionExpression: aws.String("#r = :old"), ExpressionAttributeNames: map[string]string{"#r": "role"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":old": core.SV(cur.Role)}}}
	}
	items := []types.TransactWriteItem{del(membersPK(account), "M#"+cur.Email), del(userPK(cur.Email), "MEMBER#"+account)}
	if cur.Role == RoleOwner {
		items = append(items, s.ownersDelta(account, -1))
	}
	return s.memberTransact(ctx, "remove member "+cur.Email, items)
}

// memberTransact writes a membership change whose first two items are the member's two sides and
// whose optional third is the owner count.
func (s *Accounts) memberTransact(ctx context.Context, what string, items []types.TransactWriteItem) error {
	err := s.TransactWrite(ctx, items)
	if failed, ok := canceledAt(err); ok {
		if len(failed) > 2 && failed[2] {
			return ErrLastOwner
		}
		if failed[0] || failed[1] {
			return ErrNotMember
		}
	}
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	return nil
}

// PutSession stores a new session, with a ttl at its expiry.
func (s *Accounts) PutSession(ctx context.Context, ss Session) error {
	keys := map[string]any{}
	for mode, k := range ss.Keys {
		keys[mode] = map[string]any{"id": k.ID, "hash": k.Hash}
	}
	item, err := core.MarshalItem(domain.Doc{"userId": ss.UserID, "email": ss.Email, "name": ss.Name, "account": ss.Account, "role": ss.Role,
		"mode": ss.Mode, "keys": keys, "createdAt": ss.CreatedAt, "expiresAt": ss.ExpiresAt},
		map[string]types.AttributeValue{"PK": core.SV(sessionPK(ss.TokenHash)), "SK": core.SV("SESSION"), "ttl": core.N(ss.ExpiresAt / 1000)})
	if err != nil {
		return err
	}
	if _, err := s.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: item, ConditionExpression: aws.String("attribute_not_exists(PK)")}); err != nil {
		return fmt.Errorf("store: put session: %w", core.Contended(err))
	}
	return nil
}

// GetSession reads a session by its token's hash. An expired one is ErrNoSession even before TTL
// removes it (DynamoDB deletes expired items lazily, within days).
func (s *Accounts) GetSession(ctx context.Context, hash string) (Session, error) {
	out, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Table, Key: key2(sessionPK(hash), "SESSION"), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return Session{}, fmt.Errorf("store: get session: %w", err)
	}
	if out.Item == nil {
		return Session{}, ErrNoSession
	}
	d := core.UnmarshalDoc(out.Item)
	ss := Session{TokenHash: hash, UserID: str(d["userId"]), Email: str(d["email"]), Name: str(d["name"]), Account: str(d["account"]),
		Role: str(d["role"]), Mode: str(d["mode"]), CreatedAt: core.AsInt(d["createdAt"]), ExpiresAt: core.AsInt(d["expiresAt"]), Keys: map[string]SessionKey{}}
	if m, ok := d["keys"].(map[string]any); ok {
		for mode, v := range m {
			k, _ := v.(map[string]any)
			ss.Keys[mode] = SessionKey{ID: str(k["id"]), Hash: str(k["hash"])}
		}
	}
	if s.Now().UnixMilli() >= ss.ExpiresAt {
		return Session{}, ErrNoSession
	}
	return ss, nil
}

// SetSessionMode switches the mode a session shows.
func (s *Accounts) SetSessionMode(ctx context.Context, hash, mode string) error {
	if mode != domain.Test && mode != domain.Live {
		return fmt.Errorf("store: set session mode: unknown mode %q", mode)
	}
	_, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &s.Table, Key: key2(sessionPK(hash), "SESSION"),
		UpdateExpression: aws.String("SET #m = :m"), ConditionExpression: aws.String("attribute_exists(PK)"),
		ExpressionAttributeNames: map[string]string{"#m": "mode"}, ExpressionAttributeValues: map[string]types.AttributeValue{":m": core.SV(mode)}})
	if isConditionFailed(err) {
		return ErrNoSession
	}
	if err != nil {
		return fmt.Errorf("store: set session mode: %w", core.Contended(err))
	}
	return nil
}

// DeleteSession ends a session (its keys are deleted by the caller with DeleteSessionKey).
func (s *Accounts) DeleteSession(ctx context.Context, hash string) error {
	if _, err := s.DB.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &s.Table, Key: key2(sessionPK(hash), "SESSION")}); err != nil {
		return fmt.Errorf("store: delete session: %w", core.Contended(err))
	}
	return nil
}

// PutInvite stores a pending invite, with a ttl at its expiry: the item its link finds and, in the
// same transaction, the account's listing item (ListInvites), so neither exists without the other.
func (s *Accounts) PutInvite(ctx context.Context, inv Invite) error {
	if !validRole(inv.Role) {
		return fmt.Errorf("store: put invite: unknown role %q", inv.Role)
	}
	put := func(pk, sk string) types.TransactWriteItem {
		item := key2(pk, sk)
		item["account"], item["email"], item["role"] = core.SV(inv.Account), core.SV(NormalizeEmail(inv.Email)), core.SV(inv.Role)
		item["invitedBy"], item["createdAt"], item["expiresAt"] = core.SV(inv.InvitedBy), core.N(inv.CreatedAt), core.N(inv.ExpiresAt)
		item["ttl"] = core.N(inv.ExpiresAt / 1000)
		return types.TransactWriteItem{Put: &types.Put{TableName: &s.Table, Item: item, ConditionExpression: aws.String("attribute_not_exists(PK)")}}
	}
	items := []types.TransactWriteItem{put(invitePK(inv.TokenHash), "INVITE"), put(invitesPK(inv.Account), "I#"+inv.TokenHash)}
	if err := s.TransactWrite(ctx, items); err != nil {
		return fmt.Errorf("store: put invite: %w", err)
	}
	return nil
}

func inviteFrom(hash string, it map[string]types.AttributeValue) Invite {
	return Invite{TokenHash: hash, Account: core.GetS(it, "account"), Email: core.GetS(it, "email"), Role: core.GetS(it, "role"),
		InvitedBy: core.GetS(it, "invitedBy"), CreatedAt: core.GetN(it, "createdAt"), ExpiresAt: core.GetN(it, "expiresAt")}
}

// GetInvite reads a pending invite without consuming it (to show who it is for).
func (s *Accounts) GetInvite(ctx context.Context, hash string) (Invite, error) {
	out, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Table, Key: key2(invitePK(hash), "INVITE"), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return Invite{}, fmt.Errorf("store: get invite: %w", err)
	}
	if out.Item == nil || s.Now().UnixMilli() >= core.GetN(out.Item, "expiresAt") {
		return Invite{}, ErrNoInvite
	}
	return inviteFrom(hash, out.Item), nil
}

// ListInvites lists an account's pending invites (unexpired: TTL removes expired items only
// lazily), newest first.
func (s *Accounts) ListInvites(ctx context.Context, account string) ([]Invite, error) {
	var out []Invite
	var start map[string]types.AttributeValue
	now := s.Now().UnixMilli()
	for {
		res, err := s.DB.Query(ctx, &dynamodb.QueryInput{TableName: &s.Table, ExclusiveStartKey: start, ConsistentRead: aws.Bool(true),
			KeyConditionExpression:    aws.String("PK = :pk AND begins_with(SK, :p)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": core.SV(invitesPK(account)), ":p": core.SV("I#")}})
		if err != nil {
			return nil, fmt.Errorf("store: list invites: %w", err)
		}
		for _, it := range res.Items {
			if core.GetN(it, "expiresAt") > now {
				out = append(out, inviteFrom(strings.TrimPrefix(core.GetS(it, "SK"), "I#"), it))
			}
		}
		if len(res.LastEvaluatedKey) == 0 {
			break
		}
		start = res.LastEvaluatedKey
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].CreatedAt > out[j].CreatedAt })
	return out, nil
}

// deleteInvite deletes an invite's two items in one transaction; guard holds the condition on
// the item the link finds. ErrNoInvite when it failed (used, revoked or expired meanwhile).
func (s *Accounts) deleteInvite(ctx context.Context, what string, inv Invite, guard types.Delete) error {
	guard.TableName, guard.Key = &s.Table, key2(invitePK(inv.TokenHash), "INVITE")
	items := []types.TransactWriteItem{
		{Delete: &guard},
		{Delete: &types.Delete{TableName: &s.Table, Key: key2(invitesPK(inv.Account), "I#"+inv.TokenHash)}},
	}
	err := s.TransactWrite(ctx, items)
	if failed, ok := canceledAt(err); ok && failed[0] {
		return ErrNoInvite
	}
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	return nil
}

// ConsumeInvite deletes a pending, unexpired invite and returns it. The delete of the item the
// link finds is conditional, so of two concurrent uses exactly one gets the invite; the other
// gets ErrNoInvite. The listing item goes in the same transaction. An invite never changes once
// made (its token is random and used once), so what is read before the delete is what is deleted.
func (s *Accounts) ConsumeInvite(ctx context.Context, hash string) (Invite, error) {
	out, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Table, Key: key2(invitePK(hash), "INVITE"), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return Invite{}, fmt.Errorf("store: consume invite: %w", err)
	}
	if out.Item == nil {
		return Invite{}, ErrNoInvite
	}
	inv := inviteFrom(hash, out.Item)
	err = s.deleteInvite(ctx, "consume invite", inv, types.Delete{ConditionExpression: aws.String("attribute_exists(PK) AND expiresAt > :now"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":now": core.N(s.Now().UnixMilli())}})
	if err != nil {
		return Invite{}, err
	}
	return inv, nil
}

// RevokeInvite deletes a pending invite of account, so its link stops working. An invite
// already used, revoked or expired, or one of another account, is ErrNoInvite.
func (s *Accounts) RevokeInvite(ctx context.Context, account, hash string) error {
	return s.deleteInvite(ctx, "revoke invite", Invite{TokenHash: hash, Account: account}, types.Delete{
		ConditionExpression:       aws.String("attribute_exists(PK) AND #a = :a AND expiresAt > :now"),
		ExpressionAttributeNames:  map[string]string{"#a": "account"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":a": core.SV(account), ":now": core.N(s.Now().UnixMilli())}})
}

// attemptKey is the counter of scope (such as "email:a@b.c" or "ip:203.0.113.9") in the fixed
// window that contains now.
func attemptKey(scope string, now time.Time, window time.Duration) (map[string]types.AttributeValue, time.Time) {
	start := now.Truncate(window)
	return key2(fmt.Sprintf("ATTEMPT#%s#%d", scope, start.UnixMilli()), "ATTEMPT"), start.Add(window)
}

// FailedAttempts reads how many failed attempts scope has in the current window of length window.
func (s *Accounts) FailedAttempts(ctx context.Context, scope string, window time.Duration) (int64, error) {
	k, _ := attemptKey(scope, s.Now(), window)
	out, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Table, Key: k, ConsistentRead: aws.Bool(true)})
	if err != nil {
		return 0, fmt.Errorf("store: read attempts: %w", err)
	}
	return core.GetN(out.Item, "count"), nil
}

// AddFailedAttempt counts one failed attempt of scope in the current window and returns the new
// count. The counter's ttl is the window's end.
func (s *Accounts) AddFailedAttempt(ctx context.Context, scope string, window time.Duration) (int64, error) {
	k, end := attemptKey(scope, s.Now(), window)
	out, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &s.Table, Key: k,
		UpdateExpression:          aws.String("ADD #c :one SET #t = :t"),
		ExpressionAttributeNames:  map[string]string{"#c": "count", "#t": "ttl"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":one": core.N(1), ":t": core.N(end.Unix())},
		ReturnValues:              types.ReturnValueUpdatedNew})
	if err != nil {
		return 0, fmt.Errorf("store: count attempt: %w", core.Contended(err))
	}
	return core.GetN(out.Attributes, "count"), nil
}

// ForgetAttempt takes back one attempt of scope in the current window: the console counts an
// attempt before it checks the password (so concurrent guesses cannot all see a count under
// the limit) and forgets it when the password was right. A counter that is gone or already at
// zero (the window turned meanwhile) is left alone.
func (s *Accounts) ForgetAttempt(ctx context.Context, scope string, window time.Duration) error {
	k, _ := attemptKey(scope, s.Now(), window)
	_, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &s.Table, Key: k,
		UpdateExpression:          aws.String("ADD #c :minus"),
		ConditionExpression:       aws.String("#c > :zero"),
		ExpressionAttributeNames:  map[string]string{"#c": "count"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":minus": core.N(-1), ":zero": core.N(0)}})
	if err != nil && !isConditionFailed(err) {
		return fmt.Errorf("store: forget attempt: %w", core.Contended(err))
	}
	return nil
}
