package attr

// ValidationError is a client error DynamoDB reports as ValidationException; Msg is
// DynamoDB's own message text.
type ValidationError struct{ Msg string }

func (e *ValidationError) Error() string { return e.Msg }

// SerializationError is a malformed wire value (wrong JSON type, bad base64) that
// DynamoDB rejects as SerializationException before validating anything.
type SerializationError struct{ Msg string }

func (e *SerializationError) Error() string { return e.Msg }

func invalid(msg string) error { return &ValidationError{Msg: msg} }

// DynamoDB's number-limit messages.
const (
	msgNumNotNumeric = "The parameter cannot be converted to a numeric value"
	msgNumOverflow   = "Number overflow. Attempting to store a number with magnitude larger than supported range"
	msgNumUnderflow  = "Number underflow. Attempting to store a number with magnitude smaller than supported range"
	msgNumDigits     = "Attempting to store more than 38 significant digits in a Number"
)
