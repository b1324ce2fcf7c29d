package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Independent implementations of the two schemes, written from their specifications.
func stripeV1(secret string, ts int64, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(m, "%d.%s", ts, body)
	return hex.EncodeToString(m.Sum(nil))
}

func standardV1(secret, id string, ts int64, body []byte) string {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		panic(err)
	}
	m := hmac.New(sha256.New, key)
	fmt.Fprintf(m, "%s.%d.%s", id, ts, body)
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func TestHeadersMatchIndependentImplementations(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	s1, s2 := NewSecret(), NewSecret()
	require.NotEqual(t, s1, s2)
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(s1, SecretPrefix))
	require.NoError(t, err)
	assert.Len(t, key, 32)
	body := []byte(`{"id":"evt_1","type":"patient.updated"}`)
	h, err := Headers("evt_1", body, []string{s1, s2}, now)
	require.NoError(t, err)
	assert.Equal(t, fmt.Sprintf("t=%d,v1=%s,v1=%s", now.Unix(), stripeV1(s1, now.Unix(), body), stripeV1(s2, now.Unix(), body)), h[SignatureHeader])
	assert.Equal(t, "evt_1", h[StandardIDHeader])
	assert.Equal(t, "1800000000", h[StandardTimestampHeader])
	assert.Equal(t, standardV1(s1, "evt_1", now.Unix(), body)+" "+standardV1(s2, "evt_1", now.Unix(), body), h[StandardSignatureHeader])
}

func TestVerify(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	secret, other := NewSecret(), NewSecret()
	body := []byte(`{"id":"evt_1"}`)
	good := Sign(body, []string{other, secret}, now)
	cases := []struct {
		name    string
		header  string
		body    []byte
		secret  string
		at      time.Time
		tol     time.Duration
		wantErr error
	}{
		{"valid, second signature", good, body, secret, now, 0, nil},
		{"valid within tolerance", good, body, secret, now.Add(4 * time.Minute), 0, nil},
		{"too old", good, body, secret, now.Add(6 * time.Minute), 0, ErrTooOld},
		{"custom tolerance", good, body, secret, now.Add(6 * time.Minute), 10 * time.Minute, nil},
		{"from the future", good, body, secret, now.Add(-6 * time.Minute), 0, ErrTooOld},
		{"tampered body", good, []byte(`{"id":"evt_2"}`), secret, now, 0, ErrMismatch},
		{"wrong secret", good, body, NewSecret(), now, 0, ErrMismatch},
		{"no v1", "t=1800000000", body, secret, now, 0, ErrNoSignature},
		{"no t", "v1=abc", body, secret, now, 0, ErrBadHeader},
		{"garbage", "nonsense", body, secret, now, 0, ErrBadHeader},
		{"forged timestamp", strings.Replace(good, "t=1800000000", "t=1800000100", 1), body, secret, now, 0, ErrMismatch},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := VerifyAt(c.body, c.header, c.secret, c.tol, c.at)
			if c.wantErr == nil {
				assert.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, c.wantErr)
			}
		})
	}
	// Verify uses the wall clock.
	assert.NoError(t, Verify(body, Sign(body, []string{secret}, time.Now()), secret, 0))
}

func TestVerifyStandard(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	secret := NewSecret()
	body := []byte(`{"id":"evt_9"}`)
	sig := standardV1(NewSecret(), "evt_9", now.Unix(), body) + " " + standardV1(secret, "evt_9", now.Unix(), body)
	assert.NoError(t, VerifyStandard(body, "evt_9", "1800000000", sig, secret, 0, now))
	assert.ErrorIs(t, VerifyStandard(body, "evt_8", "1800000000", sig, secret, 0, now), ErrMismatch)
	assert.ErrorIs(t, VerifyStandard(body, "evt_9", "1800000000", sig, secret, 0, now.Add(time.Hour)), ErrTooOld)
	assert.ErrorIs(t, VerifyStandard(body, "evt_9", "x", sig, secret, 0, now), ErrBadHeader)
}
