#!/bin/bash
# tar and gzip pipelines in the current directory: a generated tree
# archived (tar -c | gzip, and tar -z, which runs gzip as its child),
# listed, tested, extracted and compared, through pipes and tee.
set -u
mkdir -p data/sub/deeper
for i in $(seq 1 40); do
  seq 1 $((i * 250)) | sed "s/^/file $i line /" >"data/file$i.txt"
done
head -c 300000 /dev/zero | tr '\0' 'z' >data/sub/zeros.txt
seq 1 5000 >data/sub/deeper/numbers
ln -s ../file1.txt data/sub/link
touch -h -d @1700000000 data/sub/link
find data -exec touch -h -d @1700000000 {} +
tar_c() { tar --sort=name --mtime=@1700000000 --owner=0 --group=0 --numeric-owner -cf - "$@"; }
tar_c data | gzip -n -6 | tee data.tar.gz | gzip -dc | tar -tvf - | sort
echo "pipeline: status ${PIPESTATUS[*]}"
sha256sum data.tar.gz
gzip -t data.tar.gz && echo "gzip -t: ok"
gzip -l data.tar.gz | awk 'NR > 1 { print $1, $2 }'
tar --sort=name --mtime=@1700000000 --owner=0 --group=0 --numeric-owner -czf data2.tar.gz data
echo "tar -z: status $?"
gzip -dc data2.tar.gz | sha256sum
tar_c data | sha256sum
mkdir out && tar -xzf data.tar.gz -C out && diff -r data out/data && echo "extracted tree: identical"
tar_c data | gzip -1 | gzip -dc | cmp - <(tar_c data) && echo "round trip through two gzips: identical"
gzip -dc no-such-file.gz
echo "gzip on a missing file: status $?"
printf 'not gzip' | gzip -dc
echo "gzip on garbage: status $?"
