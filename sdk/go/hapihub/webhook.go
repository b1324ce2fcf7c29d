package hapihub

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Webhook headers HAPI Hub sends with every delivery.
const (
	SignatureHeader         = "HapiHub-Signature"
	StandardIDHeader        = "webhook-id"
	StandardTimestampHeader = "webhook-timestamp"
	StandardSignatureHeader = "webhook-signature"
)

// DefaultTolerance is how old a delivery's timestamp may be before it is refused (replays).
const DefaultTolerance = 5 * time.Minute

// Signature verification errors.
var (
	ErrNoSignature       = errors.New("hapihub: no v1 signature in header")
	ErrBadHeader         = errors.New("hapihub: malformed signature header")
	ErrSignatureMismatch = errors.New("hapihub: no signature matches the payload")
	ErrTooOld            = errors.New("hapihub: signature timestamp outside the tolerance")
)

func hexHMAC(secret string, t int64, payload []byte) string {
	m := hmac.New(sha256.New, []byte(secret)) // the whole whsec_ string is the key (Stripe's scheme)
	m.Write([]byte(strconv.FormatInt(t, 10) + "."))
	m.Write(payload)
	return hex.EncodeToString(m.Sum(nil))
}

// VerifySignature checks a HapiHub-Signature header (t=<unix s>,v1=<hex HMAC-SHA256>[,v1=...])
// against the raw request body and the endpoint's secret, and that its timestamp is within
// tolerance of now (0: DefaultTolerance). During a secret roll a delivery carries one v1 per
// active secret; any may match.
func VerifySignature(payload []byte, header, secret string, tolerance time.Duration) error {
	return VerifySignatureAt(payload, header, secret, tolerance, time.Now())
}

// VerifySignatureAt is VerifySignature at a given time.
func VerifySignatureAt(payload []byte, header, secret string, tolerance time.Duration, now time.Time) error {
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	var ts int64
	haveT := false
	var sigs []string
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
		// Compare with every signature, no early exit: which one matched does not leak.
		if hmac.Equal([]byte(want), []byte(s)) {
			matched = true
		}
	}
	if !matched {
		return ErrSignatureMismatch
	}
	if age := now.Sub(time.Unix(ts, 0)); age > tolerance || age < -tolerance {
		return ErrTooOld
	}
	return nil
}

// VerifyStandardSignature checks the Standard Webhooks headers (webhook-id, webhook-timestamp,
// webhook-signature: "v1,<base64 HMAC-SHA256 of id.timestamp.body>" per secret, keyed with the
// base64-decoded part of whsec_...).
func VerifyStandardSignature(payload []byte, id, timestamp, signature, secret string, tolerance time.Duration, now time.Time) error {
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return ErrBadHeader
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return fmt.Errorf("hapihub: secret is not whsec_<base64>: %w", err)
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id + "." + timestamp + "."))
	m.Write(payload)
	return checkSignatures("v1,"+base64.StdEncoding.EncodeToString(m.Sum(nil)), strings.Fields(signature), ts, tolerance, now)
}

// ConstructEvent verifies a delivery's HapiHub-Signature and decodes its event.
func ConstructEvent(payload []byte, header, secret string) (*Event, error) {
	if err := VerifySignature(payload, header, secret, 0); err != nil {
		return nil, err
	}
	var ev Event
	if err := json.Unmarshal(payload, &ev); err != nil {
		return nil, fmt.Errorf("hapihub: decode event: %w", err)
	}
	return &ev, nil
}

// ReadEvent reads, verifies and decodes the event of a webhook request, for an http.Handler.
// The body is read whole (at most 1 MB), as the signature covers its exact bytes.
func ReadEvent(r *http.Request, secret string) (*Event, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("hapihub: read webhook body: %w", err)
	}
	return ConstructEvent(body, r.Header.Get(SignatureHeader), secret)
}

// Sign computes a HapiHub-Signature header value for payload at t, as HAPI Hub signs deliveries:
// for receivers' own tests of their webhook handlers.
func Sign(payload []byte, secret string, t time.Time) string {
	return "t=" + strconv.FormatInt(t.Unix(), 10) + ",v1=" + hexHMAC(secret, t.Unix(), payload)
}
