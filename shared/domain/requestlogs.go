package domain

// RequestLog is one API request that reached a function with a key (docs/keys.md, "Request
// logs"). Logs live in A#<acct>#<mode>#LOG under time-ordered ids (req_...) for RequestLogTTL.
type RequestLog struct {
	ID           string
	AccountID    string
	Mode         string
	Method       string
	Path         string
	Organization string
	KeyID        string
	KeyType      string
	// Session is the console member (email) when a console session key made the request.
	Session string
	Status  int
	// ErrorEventID is the event id of the error body when the answer was an error.
	ErrorEventID   string
	RequestID      string
	IdempotencyKey string
	At             int64 // Unix ms
	DurationMs     int64
}

// RequestLogFilter selects logs; zero fields select everything.
type RequestLogFilter struct {
	// Status is an exact status; StatusMin and StatusMax bound it (inclusive).
	Status, StatusMin, StatusMax int
	Method                       string
	KeyID                        string
	RequestID                    string // the Request-Id header of the response (and an error's event)
	// CreatedFrom and CreatedBefore bound the time (Unix ms, inclusive / exclusive): a key range.
	CreatedFrom, CreatedBefore int64
	// Total asks for the number of matching logs as well (it reads every match).
	Total bool
	// After and Before are a cursor (startingAfter / endingBefore): logs older than After, or
	// newer than Before (the page still newest first).
	After, Before string
}

// RequestLogPage is one page of logs, newest first; Total is set when the filter asked for it.
type RequestLogPage struct {
	Logs  []RequestLog
	Total int
}
