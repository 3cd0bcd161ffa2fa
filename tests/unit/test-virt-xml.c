/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of nmf-virt-xml.c: libvirt domain and network descriptions. */
#include <string.h>

#include "model/nmf-common.h"
#include "decide/nmf-virt-xml.h"

/* What `virsh dumpxml` prints for a running QEMU domain (trimmed): the live description
 * names the network's bridge and the backend devices. */
static const char LIVE_DOMAIN[] =
  "<domain type='kvm' id='3'>\n"
  "  <name>rhel8-guest</name>\n"
  "  <uuid>4dea22b3-1d52-d8f3-2516-782e98ab3fa0</uuid>\n"
  "  <devices>\n"
  "    <emulator>/usr/libexec/qemu-kvm</emulator>\n"
  "    <disk type='file' device='disk'><source file='/var/lib/libvirt/images/a.qcow2'/>"
  "<target dev='vda' bus='virtio'/></disk>\n"
  "    <interface type='network'>\n"
  "      <mac address='52:54:00:6b:3c:58'/>\n"
  "      <source network='default' portid='a3b4c5d6-0000-4000-8000-000000000001' "
  "bridge='virbr0'/>\n"
  "      <target dev='vnet0'/>\n"
  "      <model type='virtio'/>\n"
  "      <alias name='net0'/>\n"
  "    </interface>\n"
  "    <interface type='direct'>\n"
  "      <mac address='52:54:00:11:22:33'/>\n"
  "      <source dev='eno1' mode='bridge'/>\n"
  "      <target dev='macvtap0'/>\n"
  "    </interface>\n"
  "    <interface type='bridge'>\n"
  "      <mac address='52:54:00:44:55:66'/>\n"
  "      <source bridge='br-lan'/>\n"
  "      <target dev='vnet1'/>\n"
  "    </interface>\n"
  "    <interface type='user'>\n"
  "      <mac address='52:54:00:77:88:99'/>\n"
  "    </interface>\n"
  "    <interface type='ethernet'>\n"
  "      <target dev='tap-routed' managed='no'/>\n"
  "    </interface>\n"
  "  </devices>\n"
  "</domain>\n";

static void
test_live_domain(void)
{
    g_autoptr(GError) error     = NULL;
    g_autofree char *name       = NULL;
    g_autoptr(GPtrArray) ifaces = nmf_virt_parse_domain(LIVE_DOMAIN, &name, &error);
    const NmfVirtIface *i;

    g_assert_no_error(error);
    g_assert_nonnull(ifaces);
    g_assert_cmpstr(name, ==, "rhel8-guest");
    g_assert_cmpuint(ifaces->len, ==, 5);

    i = ifaces->pdata[0];
    g_assert_cmpint(i->type, ==, NMF_VIRT_IFACE_NETWORK);
    g_assert_cmpstr(i->mac, ==, "52:54:00:6b:3c:58");
    g_assert_cmpstr(i->source_network, ==, "default");
    g_assert_cmpstr(i->source_bridge, ==, "virbr0");
    g_assert_cmpstr(i->target_dev, ==, "vnet0");
    g_assert_null(i->source_dev);

    i = ifaces->pdata[1];
    g_assert_cmpint(i->type, ==, NMF_VIRT_IFACE_DIRECT);
    g_assert_cmpstr(i->source_dev, ==, "eno1");
    g_assert_cmpstr(i->source_mode, ==, "bridge");
    g_assert_cmpstr(i->target_dev, ==, "macvtap0");

    i = ifaces->pdata[2];
    g_assert_cmpint(i->type, ==, NMF_VIRT_IFACE_BRIDGE);
    g_assert_cmpstr(i->source_bridge, ==, "br-lan");
    g_assert_cmpstr(i->target_dev, ==, "vnet1");

    i = ifaces->pdata[3];
    g_assert_cmpint(i->type, ==, NMF_VIRT_IFACE_OTHER);
    g_assert_cmpstr(i->type_name, ==, "user");
    g_assert_null(i->target_dev);

    i = ifaces->pdata[4];
    g_assert_cmpint(i->type, ==, NMF_VIRT_IFACE_ETHERNET);
    g_assert_cmpstr(i->target_dev, ==, "tap-routed");
    g_assert_null(i->mac);
}

/* An inactive domain (or `virsh dumpxml --inactive`) has no <target>, and the network's
 * bridge is only in the network's description. */
static void
test_inactive_domain_resolved(void)
{
    static const char dom[]           = "<domain type='kvm'><name>d</name><devices>"
                                        "<interface type='network'><source network='nat1'/></interface>"
                                        "</devices></domain>";
    static const char net[]           = "<network><name>nat1</name><forward/>"
                                        "<bridge name='virbr3' stp='on' delay='0'/>"
                                        "<ip address='192.168.100.1' netmask='255.255.255.0'/></network>";
    g_autoptr(GError) error           = NULL;
    g_autoptr(GPtrArray) ifaces       = nmf_virt_parse_domain(dom, NULL, &error);
    g_autoptr(NmfVirtNetwork) network = NULL;
    NmfVirtIface *i;

    g_assert_no_error(error);
    g_assert_cmpuint(ifaces->len, ==, 1);
    i = ifaces->pdata[0];
    g_assert_null(i->target_dev);
    g_assert_null(i->source_bridge);

    network = nmf_virt_parse_network(net, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(network->name, ==, "nat1");
    g_assert_cmpstr(network->bridge, ==, "virbr3");
    g_assert_cmpstr(network->forward_mode, ==, "nat"); /* <forward/> without a mode is NAT */
    g_assert_null(network->forward_dev);

    nmf_virt_iface_resolve(i, network);
    g_assert_cmpstr(i->source_bridge, ==, "virbr3");
    g_assert_cmpstr(i->network_forward, ==, "nat");
}

static void
test_networks(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(NmfVirtNetwork) iso =
      nmf_virt_parse_network("<network><name>iso</name><bridge name='virbr9'/></network>", &error);
    g_autoptr(NmfVirtNetwork) pool = NULL;
    g_autoptr(NmfVirtNetwork) host = NULL;
    g_autoptr(NmfVirtIface) iface  = g_new0(NmfVirtIface, 1);

    g_assert_no_error(error);
    g_assert_cmpstr(iso->forward_mode, ==, "isolated");
    g_assert_cmpstr(iso->bridge, ==, "virbr9");

    /* A macvtap pool: no bridge, the lower devices in <forward>. */
    pool =
      nmf_virt_parse_network("<network><name>pool</name><forward mode='bridge'>"
                             "<interface dev='eth2'/><interface dev='eth3'/></forward></network>",
                             &error);
    g_assert_no_error(error);
    g_assert_cmpstr(pool->forward_mode, ==, "bridge");
    g_assert_null(pool->bridge);
    g_assert_cmpstr(pool->forward_dev, ==, "eth2");

    iface->type           = NMF_VIRT_IFACE_NETWORK;
    iface->source_network = g_strdup("pool");
    nmf_virt_iface_resolve(iface, pool);
    g_assert_cmpstr(iface->source_dev, ==, "eth2");
    g_assert_null(iface->source_bridge);

    /* A network that names a host bridge. */
    host = nmf_virt_parse_network(
      "<network><name>host-bridge</name><forward mode='bridge'/><bridge name='br0'/></network>",
      &error);
    g_assert_no_error(error);
    g_assert_cmpstr(host->forward_mode, ==, "bridge");
    g_assert_cmpstr(host->bridge, ==, "br0");
}

static void
test_bad_xml(void)
{
    g_autoptr(GError) error = NULL;
    GPtrArray      *ifaces;
    NmfVirtNetwork *network;

    ifaces = nmf_virt_parse_domain("<network><name>x</name></network>", NULL, &error);
    g_assert_null(ifaces);
    g_assert_error(error, NMF_ERROR, NMF_ERROR_FAILED);
    g_assert_nonnull(strstr(error->message, "<network>"));
    g_clear_error(&error);

    ifaces = nmf_virt_parse_domain("<domain><devices><interface type='network'>", NULL, &error);
    g_assert_null(ifaces);
    g_assert_error(error, NMF_ERROR, NMF_ERROR_FAILED);
    g_clear_error(&error);

    ifaces = nmf_virt_parse_domain(NULL, NULL, &error);
    g_assert_null(ifaces);
    g_assert_error(error, NMF_ERROR, NMF_ERROR_FAILED);
    g_clear_error(&error);

    network = nmf_virt_parse_network("not xml at all", &error);
    g_assert_null(network);
    g_assert_error(error, NMF_ERROR, NMF_ERROR_FAILED);
}

/* <interface> elements elsewhere (a network's forward pool inside a domain's metadata)
 * are not the domain's interfaces. */
static void
test_only_device_interfaces(void)
{
    static const char dom[]     = "<domain><name>m</name><metadata><interface type='bridge'>"
                                  "<target dev='fake0'/></interface></metadata><devices>"
                                  "<interface type='bridge'><source bridge='br1'/><target dev='t1'/>"
                                  "<mac address='52:54:00:00:00:01'/><mac address='ignored'/>"
                                  "</interface></devices></domain>";
    g_autoptr(GError) error     = NULL;
    g_autoptr(GPtrArray) ifaces = nmf_virt_parse_domain(dom, NULL, &error);

    g_assert_no_error(error);
    g_assert_cmpuint(ifaces->len, ==, 1);
    g_assert_cmpstr(((NmfVirtIface *) ifaces->pdata[0])->target_dev, ==, "t1");
    g_assert_cmpstr(((NmfVirtIface *) ifaces->pdata[0])->mac, ==, "52:54:00:00:00:01");
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/virt-xml/live-domain", test_live_domain);
    g_test_add_func("/virt-xml/inactive-domain-resolved", test_inactive_domain_resolved);
    g_test_add_func("/virt-xml/networks", test_networks);
    g_test_add_func("/virt-xml/bad-xml", test_bad_xml);
    g_test_add_func("/virt-xml/only-device-interfaces", test_only_device_interfaces);
    return g_test_run();
}
