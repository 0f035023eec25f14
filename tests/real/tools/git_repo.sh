#!/bin/bash
# git on a generated repository in the current directory: 60 commits on
# two branches and a merge (fixed dates and identities, so the same
# object ids), git gc --aggressive, git fsck --full --strict, a clone
# through the file:// transport (upload-pack), a repack, and a command
# that fails.
set -u
export GIT_AUTHOR_NAME=fdscope GIT_AUTHOR_EMAIL=fdscope@example.invalid
export GIT_COMMITTER_NAME=fdscope GIT_COMMITTER_EMAIL=fdscope@example.invalid
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
git init -q -b main repo && cd repo
for i in $(seq 1 40); do
  export GIT_AUTHOR_DATE="@$((1700000000 + i * 60)) +0000" GIT_COMMITTER_DATE="@$((1700000000 + i * 60)) +0000"
  seq 1 $((i * 50)) | sed "s/^/commit $i line /" >"file$((i % 7)).txt"
  mkdir -p "dir$((i % 3))" && echo "$i" >"dir$((i % 3))/n$i"
  git add -A && git commit -q -m "commit $i"
done
git checkout -q -b side HEAD~10
for i in $(seq 41 60); do
  export GIT_AUTHOR_DATE="@$((1700000000 + i * 60)) +0000" GIT_COMMITTER_DATE="@$((1700000000 + i * 60)) +0000"
  echo "side $i" >"side$i.txt" && git add -A && git commit -q -m "side $i"
done
git checkout -q main
git merge -q --no-edit side && echo "merge: ok"
git rev-parse HEAD
git count-objects | sed 's/, [0-9]* kilobytes//'
git gc -q --aggressive --prune=now
echo "gc: status $?"
git count-objects -v | grep -E '^(count|in-pack|packs|garbage):'
git fsck --full --strict --no-progress
echo "fsck: status $?"
git log --oneline | wc -l
git log --format='%H %s' -3
cd ..
git clone -q --no-local "file://$PWD/repo" clone
echo "clone: status $?"
git -C clone rev-parse HEAD
git -C clone repack -q -a -d -f && echo "repack: ok"
git -C clone fsck --no-progress && echo "clone fsck: ok"
git -C clone ls-files | sha256sum
git -C clone log --oneline no-such-branch
echo "log of a missing branch: status $?"
