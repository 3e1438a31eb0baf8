# Ten grow/shrink cycles 256 -> 1536 -> 256 past the boot maximum (see
# hotplug.sh): after each, xl list, lsmem, free and meminfo equal their
# boot values exactly. The memtest is hotplug's, not repeated here.
XT_CYCLES=${XT_CYCLES:-10} XT_MEMTEST=0
. /xt/scenarios/hotplug.sh
