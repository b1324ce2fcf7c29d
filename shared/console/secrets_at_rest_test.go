package console_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// credentialFinder knows every credential the table can verify (API keys: KEY#<sha256>; console
// sessions: SESS#<sha256>; invite links: INV#<sha256>) and says which strings would authenticate.
type credentialFinder struct{ hashes map[string]string }

func hexSHA(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }

// tokenRe cuts strings into the pieces a credential could be: keys, tokens, whsec_ secrets.
var tokenRe = regexp.MustCompile(`[A-Za-z0-9_\-]{16,}`)

func (f credentialFinder) usable(s string) (string, string, bool) {
	for _, tok := range append([]string{s}, tokenRe.FindAllString(s, -1)...) {
		if what, ok := f.hashes[hexSHA(tok)]; ok {
			return tok, what, true
		}
	}
	return "", "", false
}

// strings walks an attribute value for every string it holds, with its path.
func walkStrings(path string, v types.AttributeValue, visit func(path, s string)) {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		visit(path, v.Value)
	case *types.AttributeValueMemberSS:
		for _, s := range v.Value {
			visit(path, s)
		}
	case *types.AttributeValueMemberB:
		visit(path, string(v.Value))
	case *types.AttributeValueMemberM:
		for k, x := range v.Value {
			walkStrings(path+"."+k, x, visit)
		}
	case *types.AttributeValueMemberL:
		for _, x := range v.Value {
			walkStrings(path+"[]", x, visit)
		}
	}
}

func scanTable(t *testing.T, c *consoleEnv) []map[string]types.AttributeValue {
	t.Helper()
	var items []map[string]types.AttributeValue
	var start map[string]types.AttributeValue
	for {
		out, err := c.store.DB.Scan(context.Background(), &dynamodb.ScanInput{TableName: &c.store.Table, ExclusiveStartKey: start})
		require.NoError(t, err)
		items = append(items, out.Items...)
		if len(out.LastEvaluatedKey) == 0 {
			return items
		}
		start = out.LastEvaluatedKey
	}
}

// Nothing at rest authenticates (issue 16, finding 4): after a console session has done what
// makes credentials (sign-up, live mode, live keys created and rolled through the API, an
// invite, a member joining, a webhook endpoint), every string of every item in the whole table,
// and every token-like piece of it, is hashed and looked up among the credentials the table
// verifies. The one exception is by design and documented (docs/decisions.md#keys-and-access, docs/keys.md): a key's
// `revealable` attribute, the full secret of a test or publishable key, which can be revealed
// any time.
func TestNoUsableCredentialAtRest(t *testing.T) {
	c := newConsole(t)
	owner, testKey := ownerWithKey(t, c, "atrest")
	owner.post("/console/mode", "mode", "live")
	created := owner.post("/console/keys", "name", "Reporting job", "perm.patients", "read")
	require.Equal(t, http.StatusOK, created.Status, created.Text())
	liveKey := regexp.MustCompile(`rk_live_[0-9A-Za-z]{32}`).FindString(created.Body)
	require.NotEmpty(t, liveKey, "the live key is shown once")
	rolled := owner.post("/console/keys/"+regexp.MustCompile(`key_[0-9A-Z]{26}`).FindString(created.Body)+"/roll", "grace", "1h")
	require.Equal(t, http.StatusOK, rolled.Status, rolled.Text())
	owner.post("/console/mode", "mode", "test")
	hook := newHook(t)
	owner.postValues("/console/webhooks", map[string][]string{"url": {hook.srv.URL}, "events": {"*"}})
	member := joinAs(t, c, owner, "developer")
	pending := owner.post("/console/members/invite", "email", uniqueEmail("pending"), "role", "viewer")
	inviteLink := inviteLinkRe.FindString(pending.Body)
	require.NotEmpty(t, inviteLink)

	items := scanTable(t, c)
	f := credentialFinder{hashes: map[string]string{}}
	for _, it := range items {
		pk := it["PK"].(*types.AttributeValueMemberS).Value
		for prefix, what := range map[string]string{"KEY#": "an API key", "SESS#": "a console session token", "INV#": "an invite link"} {
			if h, ok := strings.CutPrefix(pk, prefix); ok {
				f.hashes[h] = what
			}
		}
	}
	// The finder finds what it must: the keys and tokens this test holds.
	for _, cred := range []string{testKey, liveKey, owner.Cookies[sessionCookieName].Value, member.Cookies[sessionCookieName].Value,
		inviteLink[strings.LastIndex(inviteLink, "/")+1:]} {
		_, _, ok := f.usable("a body with " + cred + " inside")
		assert.True(t, ok, "the finder knows %s...", cred[:8])
	}

	scanned := 0
	for _, it := range items {
		pk := it["PK"].(*types.AttributeValueMemberS).Value
		for name, v := range it {
			if name == "revealable" {
				continue // a test or publishable key's secret, revealable by design (see above)
			}
			walkStrings(name, v, func(path, s string) {
				scanned++
				if tok, what, ok := f.usable(s); ok {
					t.Errorf("item %s attribute %s holds %s: %s...", pk, path, what, tok[:min(12, len(tok))])
				}
			})
		}
	}
	t.Logf("scanned %d strings in %d items against %d credentials", scanned, len(items), len(f.hashes))
}
