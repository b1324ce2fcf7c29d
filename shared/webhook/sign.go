// Package webhook signs, verifies and delivers webhook events: the HapiHub-Signature header
// (Stripe's scheme, so Stripe-style verifiers work), the Standard Webhooks headers, the SSRF-safe
// HTTP client, the retry schedule and the delivery/sweeper handlers behind the webhook queue.
package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Header names sent with every delivery.
const (
	SignatureHeader         = "HapiHub-Signature"
	StandardIDHeader        = "webhook-id"
	StandardTimestampHeader = "webhook-timestamp"
	StandardSignatureHeader = "webhook-signature"
)

// SecretPrefix starts every endpoint secret. The rest is standard base64 of 32 random bytes,
// the form Standard Webhooks libraries expect.
const SecretPrefix = "whsec_"

// DefaultTolerance is how old a signature's timestamp may be (5 minutes: docs/decisions.md#events-and-webhooks).
const DefaultTolerance = 5 * time.Minute

// NewSecret returns a fresh endpoint secret.
func NewSecret() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("webhook: no randomness: " + err.Error()) // crypto/rand never fails on supported platforms
	}
	return SecretPrefix + base64.StdEncoding.EncodeToString(b)
}

// hexHMAC is the HapiHub-Signature v1: the whole secret string (prefix included) is the key, as
// Stripe does, so their verifiers can be pointed at it unchanged.
func hexHMAC(secret string, t int64, payload []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(t, 10)))
	m.Write([]byte("."))
	m.Write(payload)
	return hex.EncodeToString(m.Sum(nil))
}

// Sign returns the HapiHub-Signature value: t=<unix s> and one v1 per secret.
func Sign(payload []byte, secrets []string, t time.Time) string {
	var b strings.Builder
	b.WriteString("t=" + strconv.FormatInt(t.Unix(), 10))
	for _, s := range secrets {
		b.WriteString(",v1=" + hexHMAC(s, t.Unix(), payload))
	}
	return b.String()
}

// standardKey decodes a secret the way Standard Webhooks does: drop "whsec_", base64-decode the rest.
func standardKey(secret string) ([]byte, error) {
	k, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, SecretPrefix))
	if err != nil {
		return nil, fmt.Errorf("webhook: secret is not whsec_<base64>: %w", err)
	}
	return k, nil
}

// SignStandard returns the webhook-signature value: "v1,<base64 HMAC>" per secret, space separated,
// over "<id>.<unix s>.<body>".
func SignStandard(id string, t time.Time, payload []byte, secrets []string) (string, error) {
	sigs := make([]string, 0, len(secrets))
	for _, s := range secrets {
		k, err := standardKey(s)
		if err != nil {
			return "", err
		}
		m := hmac.New(sha256.New, k)
		m.Write([]byte(id + "." + strconv.FormatInt(t.Unix(), 10) + "."))
		m.Write(payload)
		sigs = append(sigs, "v1,"+base64.StdEncoding.EncodeToString(m.Sum(nil)))
	}
	return strings.Join(sigs, " "), nil
}

// Headers are every signature header of one delivery attempt.
func Headers(eventID string, payload []byte, secrets []string, t time.Time) (map[string]string, error) {
	std, err := SignStandard(eventID, t, payload, secrets)
	if err != nil {
		return nil, err
	}
	return map[string]string{
		SignatureHeader:         Sign(payload, secrets, t),
		StandardIDHeader:        eventID,
		StandardTimestampHeader: strconv.FormatInt(t.Unix(), 10),
		StandardSignatureHeader: std,
	}, nil
}

// Verification errors.
var (
	ErrNoSignature = errors.New("webhook: no v1 signature in header")
	ErrBadHeader   = errors.New("webhook: malformed signature header")
	ErrMismatch    = errors.New("webhook: no signature matches the payload")
	ErrTooOld      = errors.New("webhook: timestamp outside the tolerance")
)

// Verify checks a HapiHub-Signature header against the payload and the endpoint secret, and that
// its timestamp is within tolerance of now (0 means DefaultTolerance).
func Verify(payload []byte, header string, secret string, tolerance time.Duration) error {
	return VerifyAt(payload, header, secret, tolerance, time.Now())
}

// VerifyAt is Verify with an explicit current time.
func VerifyAt(payload []byte, header, secret string, tolerance time.Duration, now time.Time) error {
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	var ts int64
	var sigs []string
	haveT := false
	for _, part := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return ErrBadHeader
		}
		switch k {
		case "t":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return ErrBadHeader
			}
			ts, haveT = n, true
		case "v1":
			sigs = append(sigs, v)
		}
	}
	if !haveT {
		return ErrBadHeader
	}
	if len(sigs) == 0 {
		return ErrNoSignature
	}
	return checkSignatures(hexHMAC(secret, ts, payload), sigs, ts, tolerance, now)
}

// checkSignatures is both schemes' last step: one of sigs must be want, then the signed
// timestamp ts must be within tolerance of now.
func checkSignatures(want string, sigs []string, ts int64, tolerance time.Duration, now time.Time) error {
	matched := false
	for _, s := range sigs {
		// Compare every signature: constant time per comparison, no early exit leaking which matched.
		if hmac.Equal([]byte(want), []byte(s)) {
			matched = true
		}
	}
	if !matched {
		return ErrMismatch
	}
	if age := now.Sub(time.Unix(ts, 0)); age > tolerance || age < -tolerance {
		return ErrTooOld
	}
	return nil
}

// VerifyStandard checks the Standard Webhooks headers (webhook-id, webhook-timestamp,
// webhook-signature) against the payload and secret.
func VerifyStandard(payload []byte, id, timestamp, signature, secret string, tolerance time.Duration, now time.Time) error {
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return ErrBadHeader
	}
	want, err := SignStandard(id, time.Unix(ts, 0), payload, []string{secret})
	if err != nil {
		return err
	}
	return checkSignatures(want, strings.Fields(signature), ts, tolerance, now)
}
