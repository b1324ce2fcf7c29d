module github.com/hapihub/hapihub/sdk/go

go 1.23
