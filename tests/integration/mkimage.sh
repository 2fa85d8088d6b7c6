#!/bin/sh
# Builds a bootable disk image from an ESP tree: a GPT with one FAT32 EFI
# system partition (type EF00) holding the tree. Written with sgdisk and
# mtools, so no root and no loop mounts. `dd` it to a USB stick to boot a
# real PC.
#   mkimage.sh ESP_DIR IMAGE
set -e
esp=$1
img=$2
size_mib=64
part_offset=$((1024 * 1024))

rm -f "$img"
truncate -s ${size_mib}M "$img"
sgdisk --clear --new=1:2048:0 --typecode=1:EF00 --change-name=1:"HV ESP" "$img" >/dev/null
part_sectors=$(( (size_mib * 1024 * 1024 - part_offset) / 512 - 34 ))
mformat -i "$img@@$part_offset" -F -T $part_sectors -v HVBOOT ::
mcopy -i "$img@@$part_offset" -s "$esp"/* ::
