package webhook

// SetRecoverBatch lowers the recover batch for a test and returns the restore.
func SetRecoverBatch(n int) func() {
	prev := recoverBatch
	recoverBatch = n
	return func() { recoverBatch = prev }
}
