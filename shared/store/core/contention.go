package core

import (
	"errors"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hapihub/hapihub/shared/apperr"
)

// Contended turns a write refused because another request's transaction held its item, past
// every retry, into the documented retryable answer: 429 RATE_LIMIT_EXCEEDED, reason
// lock_timeout, Retry-After 1 (docs/writes.md "Transaction conflicts"). Such a write changed
// nothing, so the client's retry is safe. That is a single-item write's
// TransactionConflictException after the SDK's retries (RetryConflicts: 3 attempts) or a
// transaction cancelled for conflicts alone after transactWrite's (LockTimeout). Any other error
// (nil included) is returned as it is; the cause stays in the chain for logs and errors.As.
func Contended(err error) error {
	var tce *types.TransactionConflictException
	if !errors.As(err, &tce) && !conflictOnly(err) {
		return err
	}
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return err
	}
	e := apperr.New(apperr.RateLimited, "This object cannot be changed right now because another request is changing it. Retry the request.").
		WithCode("lock_timeout").WithHeader("Retry-After", "1")
	e.Cause = err
	return e
}

// IsContended reports whether err is a write refused for a transaction conflict (see Contended).
func IsContended(err error) bool {
	var tce *types.TransactionConflictException
	return errors.As(err, &tce) || conflictOnly(err)
}
